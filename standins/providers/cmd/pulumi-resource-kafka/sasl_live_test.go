package main

// Live SASL and TLS: a single-node broker of the local kafka image with a SASL_SSL listener (SCRAM-SHA-512,
// a certificate signed by a CA made here with openssl), a SASL_PLAINTEXT listener and a PLAINTEXT one;
// the SCRAM user is created when the storage is formatted (kafka-storage.sh format --add-scram). The first
// test that needs it starts it; TestMain's stopCluster removes it with the cluster.

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/conformance"
	"lakehouse.local/toolchain/providers/internal/livetest"
)

const (
	saslUser     = "admin"
	saslPassword = "admin-secret-4d1f"
)

var saslBroker struct {
	once                              sync.Once
	err                               error
	plaintext, saslSSL, saslPlaintext string // 127.0.0.1:<port> of each listener
	caPEM, otherCAPEM                 string
}

// openssl runs openssl in dir.
func openssl(dir string, args ...string) error {
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("openssl %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// makeCerts writes ca.pem, other-ca.pem (an unrelated CA) and broker.pem (the broker's PKCS#8 key and
// its certificate for 127.0.0.1/localhost signed by ca.pem, Kafka's PEM keystore format) into dir.
func makeCerts(dir string) error {
	ca := func(name, cn string) error {
		return openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name+".key", "-out", name+".pem",
			"-days", "2", "-subj", "/CN="+cn, "-addext", "basicConstraints=critical,CA:TRUE",
			"-addext", "keyUsage=critical,keyCertSign,cRLSign")
	}
	if err := ca("ca", "lakehouse kafka test CA"); err != nil {
		return err
	}
	if err := ca("other-ca", "another CA"); err != nil {
		return err
	}
	if err := openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "broker.key", "-out", "broker.csr", "-subj", "/CN=localhost"); err != nil {
		return err
	}
	ext := "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
	if err := os.WriteFile(filepath.Join(dir, "broker.ext"), []byte(ext), 0o600); err != nil {
		return err
	}
	if err := openssl(dir, "x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
		"-days", "2", "-out", "broker.crt", "-extfile", "broker.ext"); err != nil {
		return err
	}
	key, err := os.ReadFile(filepath.Join(dir, "broker.key"))
	if err != nil {
		return err
	}
	crt, err := os.ReadFile(filepath.Join(dir, "broker.crt"))
	if err != nil {
		return err
	}
	// Read by the broker's user (uid 1000) after docker cp, which copies files as root.
	return os.WriteFile(filepath.Join(dir, "broker.pem"), append(key, crt...), 0o644) //nolint:gosec // test key
}

func startSASLBroker() error {
	image, err := livetest.LocalImage("kafka", "kafka")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "lh-kafka-sasl-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := makeCerts(dir); err != nil {
		return err
	}
	for name, dst := range map[string]*string{"ca.pem": &saslBroker.caPEM, "other-ca.pem": &saslBroker.otherCAPEM} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		*dst = string(b)
	}
	var ports [3]int
	for i := range ports {
		if ports[i], err = livetest.FreePort(); err != nil {
			return err
		}
	}
	saslBroker.plaintext = fmt.Sprintf("127.0.0.1:%d", ports[0])
	saslBroker.saslSSL = fmt.Sprintf("127.0.0.1:%d", ports[1])
	saslBroker.saslPlaintext = fmt.Sprintf("127.0.0.1:%d", ports[2])
	jaas := "org.apache.kafka.common.security.scram.ScramLoginModule required;"
	props := strings.Join([]string{
		"process.roles=broker,controller",
		"node.id=1",
		"controller.quorum.voters=1@localhost:29093",
		"controller.listener.names=CONTROLLER",
		fmt.Sprintf("listeners=CONTROLLER://:29093,PLAINTEXT://:%d,SASL_SSL://:%d,SASL_PLAINTEXT://:%d", ports[0], ports[1], ports[2]),
		fmt.Sprintf("advertised.listeners=PLAINTEXT://%s,SASL_SSL://%s,SASL_PLAINTEXT://%s", saslBroker.plaintext, saslBroker.saslSSL, saslBroker.saslPlaintext),
		"listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT",
		"inter.broker.listener.name=PLAINTEXT",
		"sasl.enabled.mechanisms=SCRAM-SHA-512",
		"listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=" + jaas,
		"listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=" + jaas,
		"ssl.keystore.type=PEM",
		"ssl.keystore.location=/mnt/shared/config/broker.pem",
		"log.dirs=/var/lib/kafka/data",
		"offsets.topic.replication.factor=1",
		"transaction.state.log.replication.factor=1",
		"transaction.state.log.min.isr=1",
		"share.coordinator.state.topic.replication.factor=1",
		"share.coordinator.state.topic.min.isr=1",
		"group.initial.rebalance.delay.ms=0",
	}, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "server.properties"), []byte(props), 0o644); err != nil { //nolint:gosec // test config
		return err
	}
	name := "lh-standin-kafka-sasl-" + livetest.Suffix()
	// The image's docker-run formats without SCRAM users; format first with the user, then hand over
	// (docker-run's own format then finds the directory formatted and keeps it).
	script := `kafka-storage.sh format --cluster-id="$CLUSTER_ID" -c /mnt/shared/config/server.properties ` +
		`--add-scram "SCRAM-SHA-512=[name=$SASL_USER,password=$SASL_PASSWORD]" && exec /opt/kafka/bin/docker-run`
	args := []string{"create", "--name", name,
		"-e", "CLUSTER_ID=" + base64.RawURLEncoding.EncodeToString([]byte("sasl-standin-tst")),
		"-e", "KAFKA_HEAP_OPTS=-Xmx256m -Xms256m", "-e", "SASL_USER=" + saslUser, "-e", "SASL_PASSWORD=" + saslPassword}
	for _, p := range ports {
		args = append(args, "-p", fmt.Sprintf("127.0.0.1:%d:%d", p, p))
	}
	args = append(args, "--entrypoint", "bash", image, "-c", script)
	if _, err := livetest.Docker(args...); err != nil {
		return err
	}
	cluster.containers = append(cluster.containers, name)
	for _, f := range []string{"server.properties", "broker.pem"} {
		if _, err := livetest.Docker("cp", filepath.Join(dir, f), name+":/mnt/shared/config/"+f); err != nil {
			return err
		}
	}
	if _, err := livetest.Docker("start", name); err != nil {
		return err
	}
	if err := livetest.WaitHealthy(name, 4*time.Minute); err != nil {
		return err
	}
	// Up once its plaintext listener answers metadata.
	cl, err := kgo.NewClient(kgo.SeedBrokers(saslBroker.plaintext))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		bs, err := adm.ListBrokers(ctx)
		if err == nil && len(bs) == 1 {
			return nil
		}
		if ctx.Err() != nil {
			logs, _ := livetest.Docker("logs", "--tail", "30", name)
			return fmt.Errorf("the SASL broker did not come up (%v); last logs:\n%s", err, logs)
		}
		time.Sleep(time.Second)
	}
}

func needSASLBroker(t *testing.T) {
	t.Helper()
	saslBroker.once.Do(func() { saslBroker.err = startSASLBroker() })
	if saslBroker.err != nil {
		t.Fatalf("SASL broker: %v", saslBroker.err)
	}
}

// saslProvider is a provider configured with args as @pulumi/kafka sends them (the password a secret).
func saslProvider(t *testing.T, args map[string]any) bridged {
	t.Helper()
	p := bridged{newProvider()}
	if pw, ok := args["saslPassword"]; ok {
		args["saslPassword"] = map[string]any{"<secret>": pw}
	}
	args["timeout"] = float64(30)
	if _, err := p.Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: conformance.Struct(t, conformance.Props(args))}); err != nil {
		t.Fatal(err)
	}
	return p
}

// createOn creates a topic through p and returns its inputs, or the create's error.
func createOn(t *testing.T, p bridged, name string) (resource.PropertyMap, error) {
	t.Helper()
	in := checked(t, p, nil, map[string]any{"name": name, "partitions": float64(1), "replicationFactor": float64(1)})
	_, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: conformance.URN(topicToken, "topic"),
		Type: topicToken, Properties: conformance.Struct(t, in)})
	return in, err
}

func TestLiveSASLSCRAMOverTLSWithTheCAAsPEMTextOrFile(t *testing.T) {
	needSASLBroker(t)
	p := saslProvider(t, map[string]any{"bootstrapServers": []any{saslBroker.saslSSL}, "tlsEnabled": "true",
		"caCert": saslBroker.caPEM, "saslUsername": saslUser, "saslPassword": saslPassword, "saslMechanism": "scram-sha512"})
	name := topicName(t)
	in, err := createOn(t, p, name)
	if err != nil {
		t.Fatalf("create over SASL_SSL: %v", err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, []byte(saslBroker.caPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	p = saslProvider(t, map[string]any{"bootstrapServers": []any{saslBroker.saslSSL},
		"caCert": caFile, "saslUsername": saslUser, "saslPassword": saslPassword, "saslMechanism": "scram-sha512"})
	if _, exists := read(t, p, name, in, in); !exists {
		t.Fatalf("topic %s not read back over SASL_SSL with the CA file", name)
	}
	if _, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{Id: name, Urn: conformance.URN(topicToken, "topic"),
		Type: topicToken, Properties: conformance.Struct(t, in)}); err != nil {
		t.Errorf("delete over SASL_SSL: %v", err)
	}
}

func TestLiveSASLOverPlaintext(t *testing.T) {
	needSASLBroker(t)
	p := saslProvider(t, map[string]any{"bootstrapServers": []any{saslBroker.saslPlaintext}, "tlsEnabled": "false",
		"saslUsername": saslUser, "saslPassword": saslPassword, "saslMechanism": "scram-sha512"})
	name := topicName(t)
	in, err := createOn(t, p, name)
	if err != nil {
		t.Fatalf("create over SASL_PLAINTEXT: %v", err)
	}
	if _, exists := read(t, p, name, in, in); !exists {
		t.Fatalf("topic %s not read back over SASL_PLAINTEXT", name)
	}
}

func TestLiveAWrongSASLPasswordIsRefusedNamingTheUserOnly(t *testing.T) {
	needSASLBroker(t)
	const wrong = "not-the-password-77"
	for listener, args := range map[string]map[string]any{
		"SASL_SSL":       {"bootstrapServers": []any{saslBroker.saslSSL}, "caCert": saslBroker.caPEM},
		"SASL_PLAINTEXT": {"bootstrapServers": []any{saslBroker.saslPlaintext}, "tlsEnabled": false},
	} {
		args["saslUsername"], args["saslPassword"], args["saslMechanism"] = saslUser, wrong, "scram-sha512"
		_, err := createOn(t, saslProvider(t, args), topicName(t))
		if err == nil || !strings.Contains(err.Error(), `refused the SASL credentials of user "admin" (saslMechanism scram-sha512)`) ||
			strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), saslPassword) {
			t.Errorf("%s, wrong password: %v", listener, err)
		} else {
			t.Logf("%s, wrong password: %v", listener, err)
		}
	}
}

func TestLiveAMechanismTheListenerDoesNotEnableIsNamed(t *testing.T) {
	needSASLBroker(t)
	for mech, wire := range map[string]string{"scram-sha256": "SCRAM-SHA-256", "plain": "PLAIN"} {
		_, err := createOn(t, saslProvider(t, map[string]any{"bootstrapServers": []any{saslBroker.saslPlaintext}, "tlsEnabled": false,
			"saslUsername": saslUser, "saslPassword": saslPassword, "saslMechanism": mech}), topicName(t))
		if err == nil || !strings.Contains(err.Error(), "does not enable SASL mechanism "+wire) || strings.Contains(err.Error(), saslPassword) {
			t.Errorf("%s: %v", mech, err)
		}
	}
}

func TestLiveSASLOnAListenerWithoutSASLFails(t *testing.T) {
	needSASLBroker(t)
	_, err := createOn(t, saslProvider(t, map[string]any{"bootstrapServers": []any{saslBroker.plaintext}, "tlsEnabled": false,
		"saslUsername": saslUser, "saslPassword": saslPassword, "saslMechanism": "scram-sha512"}), topicName(t))
	if err == nil || !strings.Contains(err.Error(), `does not take SASL on that listener, but saslUsername/saslPassword are set (user "admin")`) ||
		strings.Contains(err.Error(), saslPassword) {
		t.Errorf("SASL on the PLAINTEXT listener: %v", err)
	}
}

func TestLiveABrokerCertificateOfAnotherCAIsRefusedUnlessVerificationIsSkipped(t *testing.T) {
	needSASLBroker(t)
	base := func() map[string]any {
		return map[string]any{"bootstrapServers": []any{saslBroker.saslSSL}, "caCert": saslBroker.otherCAPEM,
			"saslUsername": saslUser, "saslPassword": saslPassword, "saslMechanism": "scram-sha512"}
	}
	_, err := createOn(t, saslProvider(t, base()), topicName(t))
	if err == nil || !strings.Contains(err.Error(), "x509: certificate signed by unknown authority") || strings.Contains(err.Error(), saslPassword) {
		t.Errorf("another CA: %v", err)
	} else {
		t.Logf("another CA: %v", err)
	}
	args := base()
	args["skipTlsVerify"] = true
	if _, err := createOn(t, saslProvider(t, args), topicName(t)); err != nil {
		t.Errorf("another CA with skipTlsVerify: %v", err)
	}
	// No caCert: the system roots do not know the test CA.
	args = base()
	delete(args, "caCert")
	if _, err := createOn(t, saslProvider(t, args), topicName(t)); err == nil || !strings.Contains(err.Error(), "x509:") {
		t.Errorf("no caCert: %v", err)
	}
}
