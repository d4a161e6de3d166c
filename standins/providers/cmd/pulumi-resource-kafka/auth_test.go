package main

// Provider configuration for SASL and TLS (auth.go), against upstream v0.13.1's providerConfigure,
// newKafkaConfig and newTLSConfig. Offline: certificates are made here with crypto/x509.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/twmb/franz-go/pkg/kerr"

	"lakehouse.local/toolchain/providers/internal/conformance"
)

const testPassword = "s3cr3t-Pa55word"

// clearKafkaEnv unsets upstream's fallback variables for the test (t.Setenv restores them after).
func clearKafkaEnv(t *testing.T) {
	for _, k := range []string{"KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD", "KAFKA_SASL_MECHANISM", "KAFKA_CA_CERT",
		"KAFKA_CLIENT_CERT", "KAFKA_CLIENT_KEY", "KAFKA_CLIENT_KEY_PASSPHRASE", "KAFKA_ENABLE_TLS", "KAFKA_SKIP_VERIFY"} {
		t.Setenv(k, "")
	}
}

func TestSASLMechanismDefaultsToPlain(t *testing.T) {
	clearKafkaEnv(t)
	s, err := parseSASL(map[string]any{"saslUsername": "admin", "saslPassword": testPassword})
	if err != nil || s.mechanism != "plain" || s.wireName() != "PLAIN" {
		t.Fatalf("mechanism %q (%s), err %v; want plain", s.mechanism, s.wireName(), err)
	}
	if m, err := s.client(); err != nil || m.Name() != "PLAIN" {
		t.Fatalf("client mechanism %v, err %v", m, err)
	}
}

func TestSASLMechanismNamesAreUpstreams(t *testing.T) {
	clearKafkaEnv(t)
	for name, wire := range map[string]string{"plain": "PLAIN", "scram-sha256": "SCRAM-SHA-256", "scram-sha512": "SCRAM-SHA-512"} {
		s, err := parseSASL(map[string]any{"saslUsername": "admin", "saslPassword": testPassword, "saslMechanism": name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m, err := s.client()
		if err != nil || m.Name() != wire {
			t.Errorf("%s: client mechanism %v, err %v; want %s", name, m, err, wire)
		}
	}
}

func TestAnUnknownSASLMechanismFailsAtConfigureWithUpstreamsMessage(t *testing.T) {
	clearKafkaEnv(t)
	// The wire names and other spellings are not upstream's names.
	for _, name := range []string{"SCRAM-SHA-512", "scram-sha-512", "PLAIN", "gssapi", ""} {
		_, err := parseSASL(map[string]any{"saslUsername": "admin", "saslPassword": testPassword, "saslMechanism": name})
		want := fmt.Sprintf(`[ERROR] Invalid sasl mechanism "%s": can only be "scram-sha256", "scram-sha512", "aws-iam", "oauthbearer" or "plain"`, name)
		if err == nil || err.Error() != want {
			t.Errorf("%q: err %v, want %s", name, err, want)
		}
		if err != nil && strings.Contains(err.Error(), testPassword) {
			t.Errorf("%q: the error shows the password", name)
		}
	}
	// Checked at configure even without SASL credentials, as upstream's providerConfigure does.
	if _, err := parseSASL(map[string]any{"saslMechanism": "scram"}); err == nil {
		t.Error("an unknown mechanism without credentials was accepted")
	}
}

func TestAWSIAMAndOAuthBearerAreAcceptedNamesButNotSpokenHere(t *testing.T) {
	clearKafkaEnv(t)
	// aws-iam always turns SASL on (upstream's saslEnabled); the stand-in says it cannot do it.
	if _, err := parseSASL(map[string]any{"saslMechanism": "aws-iam"}); err == nil || !strings.Contains(err.Error(), "not supported by the lakehouse stand-in") {
		t.Errorf("aws-iam: %v", err)
	}
	_, err := parseSASL(map[string]any{"saslMechanism": "oauthbearer", "saslUsername": "id", "saslPassword": testPassword})
	if err == nil || strings.Contains(err.Error(), testPassword) {
		t.Errorf("oauthbearer with credentials: %v", err)
	}
	// Without credentials oauthbearer uses no SASL upstream either: no error.
	if s, err := parseSASL(map[string]any{"saslMechanism": "oauthbearer"}); err != nil || s.enabled() {
		t.Errorf("oauthbearer without credentials: enabled %v, err %v", s.enabled(), err)
	}
}

func TestSASLIsOnWhenAUsernameOrAPasswordIsSet(t *testing.T) {
	clearKafkaEnv(t)
	for _, c := range []struct {
		in      map[string]any
		enabled bool
		errPart string
	}{
		{map[string]any{}, false, ""},
		{map[string]any{"saslUsername": "admin", "saslPassword": testPassword}, true, ""},
		// sarama's Config.Validate, which upstream's client runs when it is made.
		{map[string]any{"saslUsername": "admin"}, true, "Net.SASL.Password must not be empty when SASL is enabled"},
		{map[string]any{"saslPassword": testPassword}, true, "Net.SASL.User must not be empty when SASL is enabled"},
	} {
		s, err := parseSASL(c.in)
		if err != nil || s.enabled() != c.enabled {
			t.Errorf("%v: enabled %v, err %v", c.in, s.enabled(), err)
			continue
		}
		if !c.enabled {
			continue
		}
		_, err = s.client()
		if c.errPart == "" && err != nil || c.errPart != "" && (err == nil || !strings.Contains(err.Error(), c.errPart)) {
			t.Errorf("%v: client error %v, want %q", c.in, err, c.errPart)
		}
		if err != nil && strings.Contains(err.Error(), testPassword) {
			t.Errorf("%v: the error shows the password", c.in)
		}
	}
}

func TestSASLSettingsFallBackToUpstreamsEnvironmentVariables(t *testing.T) {
	clearKafkaEnv(t)
	t.Setenv("KAFKA_SASL_USERNAME", "env-user")
	t.Setenv("KAFKA_SASL_PASSWORD", "env-pass")
	t.Setenv("KAFKA_SASL_MECHANISM", "scram-sha256")
	s, err := parseSASL(map[string]any{})
	if err != nil || s.user != "env-user" || s.password != "env-pass" || s.mechanism != "scram-sha256" {
		t.Fatalf("from the environment: %+v, %v", s.mechanism, err)
	}
	// A given input wins over the variable.
	s, err = parseSASL(map[string]any{"saslUsername": "admin", "saslMechanism": "scram-sha512"})
	if err != nil || s.user != "admin" || s.password != "env-pass" || s.mechanism != "scram-sha512" {
		t.Fatalf("inputs over the environment: user %q mechanism %q, %v", s.user, s.mechanism, err)
	}
	t.Setenv("KAFKA_SASL_MECHANISM", "scram-sha-512")
	if _, err := parseSASL(map[string]any{}); err == nil || !strings.Contains(err.Error(), `"scram-sha-512"`) {
		t.Errorf("a bad KAFKA_SASL_MECHANISM: %v", err)
	}
}

func TestTLSFlagsFallBackToUpstreamsEnvironmentVariables(t *testing.T) {
	clearKafkaEnv(t)
	t.Cleanup(func() { cfg = settings{tls: true, timeout: 120 * time.Second} })
	if err := configure(map[string]any{"bootstrapServers": []any{"b:9092"}}); err != nil || !cfg.tls || cfg.skipTLS {
		t.Fatalf("defaults: tls %v skip %v, %v; want true false", cfg.tls, cfg.skipTLS, err)
	}
	t.Setenv("KAFKA_ENABLE_TLS", "false")
	t.Setenv("KAFKA_SKIP_VERIFY", "1")
	if err := configure(map[string]any{"bootstrapServers": []any{"b:9092"}}); err != nil || cfg.tls || !cfg.skipTLS {
		t.Fatalf("from the environment: tls %v skip %v, %v; want false true", cfg.tls, cfg.skipTLS, err)
	}
	// @pulumi/kafka sends booleans and numbers JSON-encoded; an input wins over the variable.
	if err := configure(map[string]any{"bootstrapServers": []any{"b:9092"}, "tlsEnabled": "true", "skipTlsVerify": "false", "timeout": "30"}); err != nil ||
		!cfg.tls || cfg.skipTLS || cfg.timeout != 30*time.Second {
		t.Fatalf("inputs: tls %v skip %v timeout %s, %v", cfg.tls, cfg.skipTLS, cfg.timeout, err)
	}
}

// The engine passes a secret saslPassword wrapped; Configure unwraps it, and an error never shows it.
func TestConfigureTakesASecretPasswordAndNeverShowsIt(t *testing.T) {
	clearKafkaEnv(t)
	t.Cleanup(func() { cfg = settings{tls: true, timeout: 120 * time.Second} })
	p := bridged{newProvider()}
	args := map[string]any{"bootstrapServers": []any{"b:9092"}, "saslUsername": "admin",
		"saslPassword": map[string]any{"<secret>": testPassword}, "saslMechanism": "scram-sha512"}
	if _, err := p.Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: conformance.Struct(t, conformance.Props(args))}); err != nil {
		t.Fatal(err)
	}
	if cfg.sasl.password != testPassword || cfg.sasl.user != "admin" || cfg.sasl.mechanism != "scram-sha512" {
		t.Fatalf("configured %q/%q", cfg.sasl.user, cfg.sasl.mechanism)
	}
	args["saslMechanism"] = "sha512"
	_, err := p.Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: conformance.Struct(t, conformance.Props(args))})
	if err == nil || strings.Contains(err.Error(), testPassword) {
		t.Fatalf("bad mechanism: %v", err)
	}
	// The stack-config form (variables, all strings) reads the same.
	_, err = p.Configure(context.Background(), &pulumirpc.ConfigureRequest{Variables: map[string]string{
		"kafka:config:bootstrapServers": `["b:9092"]`, "kafka:config:saslUsername": "admin",
		"kafka:config:saslPassword": testPassword, "kafka:config:saslMechanism": "scram-sha256", "kafka:config:tlsEnabled": "false"}})
	if err != nil || cfg.sasl.mechanism != "scram-sha256" || cfg.sasl.password != testPassword || cfg.tls {
		t.Fatalf("variables: mechanism %q tls %v, %v", cfg.sasl.mechanism, cfg.tls, err)
	}
}

func TestBrokerRefusalsOfSASLNameTheUserButNotThePassword(t *testing.T) {
	t.Cleanup(func() { cfg = settings{tls: true, timeout: 120 * time.Second} })
	cfg = settings{brokers: []string{"127.0.0.1:9093"}, tls: true,
		sasl: saslSettings{user: "admin", password: testPassword, mechanism: "scram-sha512"}}
	// How franz-go returns a SaslAuthenticate error (errCodeMessage).
	authFailed := fmt.Errorf("%w: %s", kerr.SaslAuthenticationFailed,
		"Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512")
	for _, c := range []struct {
		err  error
		want string
	}{
		{authFailed, `kafka: the broker (127.0.0.1:9093) refused the SASL credentials of user "admin" (saslMechanism scram-sha512)`},
		{kerr.UnsupportedSaslMechanism, "does not enable SASL mechanism SCRAM-SHA-512"},
		{kerr.IllegalSaslState, "does not take SASL on that listener"},
	} {
		err := withAdminErr(c.err)
		if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), testPassword) || !errors.Is(err, c.err) {
			t.Errorf("%v -> %v; want it to contain %q, not the password", c.err, err, c.want)
		}
	}
}

// withAdminErr is the error withAdmin returns when the request fails with err.
func withAdminErr(err error) error {
	return fmt.Errorf("%s: %w", "reading topic t", clientErr(err))
}

// ---- certificates ----

type testCA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM string
}

func newTestCA(t *testing.T, cn string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return testCA{cert: cert, key: key, certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// issue signs a certificate for 127.0.0.1 (server and client use); returns the cert and key PEM.
func (ca testCA) issue(t *testing.T, cn string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

// handshake dials a TLS server that presents serverCert/serverKey with the client config conf.
func handshake(t *testing.T, conf *tls.Config, serverCert, serverKey string) error {
	t.Helper()
	pair, err := tls.X509KeyPair([]byte(serverCert), []byte(serverKey))
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	d := &tls.Dialer{Config: conf}
	c, err := d.DialContext(context.Background(), "tcp", l.Addr().String())
	if err == nil {
		c.Close()
	}
	return err
}

func TestCACertAsPEMTextOrFileVerifiesTheBroker(t *testing.T) {
	ca := newTestCA(t, "lakehouse test CA")
	srvCert, srvKey := ca.issue(t, "broker")
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, []byte(ca.certPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	for what, in := range map[string]string{"PEM text": ca.certPEM, "file path": file} {
		conf, err := tlsSettings{caCert: in}.config(false)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := handshake(t, conf, srvCert, srvKey); err != nil {
			t.Errorf("%s: handshake with a broker certificate of that CA: %v", what, err)
		}
	}
	// Another CA's certificate is refused; without caCert only the system roots are trusted.
	other := newTestCA(t, "another CA")
	conf, err := tlsSettings{caCert: other.certPEM}.config(false)
	if err != nil {
		t.Fatal(err)
	}
	var unknown x509.UnknownAuthorityError
	if err := handshake(t, conf, srvCert, srvKey); !errors.As(err, &unknown) {
		t.Errorf("handshake against another CA: %v, want an unknown-authority error", err)
	}
	conf, _ = tlsSettings{}.config(false)
	if err := handshake(t, conf, srvCert, srvKey); !errors.As(err, &unknown) {
		t.Errorf("handshake without caCert: %v, want an unknown-authority error", err)
	}
	// skipTlsVerify as before.
	conf, _ = tlsSettings{}.config(true)
	if err := handshake(t, conf, srvCert, srvKey); err != nil {
		t.Errorf("skipTlsVerify: %v", err)
	}
}

func TestABadCACertFailsWithUpstreamsErrors(t *testing.T) {
	_, key := newTestCA(t, "ca").issue(t, "x")
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("just text"), 0o600); err != nil {
		t.Fatal(err)
	}
	truncated := "-----BEGIN CERTIFICATE-----\nMIIB\n"
	for _, c := range []struct{ in, want string }{
		// A PEM block that holds no certificate: AppendCertsFromPEM finds none.
		{"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "caCert: could not add the caPem"},
		{key, "caCert: could not add the caPem"},
		// Not PEM, so a path: the file is missing, or holds no PEM.
		{filepath.Join(dir, "missing.pem"), "caCert: open " + filepath.Join(dir, "missing.pem") + ": no such file or directory"},
		{notPEM, "caCert: [ERROR] Error unable to decode pem"},
		// Broken PEM text is not taken for a path and not echoed.
		{truncated, "caCert: the PEM text does not decode"},
	} {
		_, err := tlsSettings{caCert: c.in}.config(false)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("caCert %.30q: err %v, want %q", c.in, err, c.want)
		}
		if err != nil && strings.Contains(c.in, "\n") && strings.Contains(err.Error(), strings.TrimSpace(c.in)) {
			t.Errorf("caCert %.30q: the error echoes the PEM text", c.in)
		}
	}
}

// The certificates are read at the first client, and only with TLS on (upstream's LazyClient and
// newKafkaConfig): a configure with a bad caCert succeeds; with tlsEnabled false the CA is ignored.
func TestCACertIsReadAtTheFirstClientAndOnlyWithTLS(t *testing.T) {
	clearKafkaEnv(t)
	t.Cleanup(func() { cfg = settings{tls: true, timeout: 120 * time.Second} })
	if err := configure(map[string]any{"bootstrapServers": []any{"127.0.0.1:1"}, "caCert": "/nonexistent/ca.pem"}); err != nil {
		t.Fatalf("configure: %v", err)
	}
	if _, _, err := admin(); err == nil || !strings.Contains(err.Error(), "/nonexistent/ca.pem") {
		t.Errorf("first client with an unreadable caCert: %v", err)
	}
	if err := configure(map[string]any{"bootstrapServers": []any{"127.0.0.1:1"}, "caCert": "/nonexistent/ca.pem", "tlsEnabled": false}); err != nil {
		t.Fatal(err)
	}
	_, closeFn, err := admin()
	if err != nil {
		t.Fatalf("tlsEnabled false: %v", err)
	}
	closeFn()
	// The deprecated caCertFile and KAFKA_CA_CERT are the fallbacks.
	if err := configure(map[string]any{"bootstrapServers": []any{"b:1"}, "caCertFile": "/f.pem"}); err != nil || cfg.certs.caCert != "/f.pem" {
		t.Errorf("caCertFile: %q, %v", cfg.certs.caCert, err)
	}
	t.Setenv("KAFKA_CA_CERT", "/env.pem")
	if err := configure(map[string]any{"bootstrapServers": []any{"b:1"}}); err != nil || cfg.certs.caCert != "/env.pem" {
		t.Errorf("KAFKA_CA_CERT: %q, %v", cfg.certs.caCert, err)
	}
}

func TestClientCertificateIsPresented(t *testing.T) {
	ca := newTestCA(t, "ca")
	cert, key := ca.issue(t, "client")
	conf, err := tlsSettings{caCert: ca.certPEM, clientCert: cert, clientKey: key}.config(false)
	if err != nil || len(conf.Certificates) != 1 {
		t.Fatalf("client certificate: %v", err)
	}
	_, otherKey := ca.issue(t, "other")
	_, err = tlsSettings{clientCert: cert, clientKey: otherKey}.config(false)
	if err == nil || strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Errorf("mismatched key: %v", err)
	}
}

// ---- the upstream table's configure cases ----

type configureCase struct {
	Name          string            `json:"name"`
	Config        map[string]any    `json:"config"`
	Env           map[string]string `json:"env"`
	Error         string            `json:"error"`
	Mechanism     string            `json:"mechanism"`
	SASL          bool              `json:"sasl"`
	TLSEnabled    *bool             `json:"tlsEnabled"`
	SkipTLSVerify *bool             `json:"skipTlsVerify"`
	CACert        *string           `json:"caCert"`
}

func TestProviderConfigMatchesUpstreamTable(t *testing.T) {
	cases := conformance.ConfigureCases[configureCase](t, "kafka")
	t.Cleanup(func() { cfg = settings{tls: true, timeout: 120 * time.Second} })
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			clearKafkaEnv(t)
			for k, v := range c.Env {
				t.Setenv(k, v)
			}
			args := map[string]any{"bootstrapServers": []any{"b:9092"}}
			for k, v := range c.Config {
				args[k] = v
			}
			_, err := bridged{newProvider()}.Configure(context.Background(),
				&pulumirpc.ConfigureRequest{Args: conformance.Struct(t, conformance.Props(args))})
			if c.Error != "" {
				if err == nil || err.Error() != c.Error {
					t.Fatalf("configure: %v, want %s", err, c.Error)
				}
				return
			}
			if err != nil {
				t.Fatalf("configure: %v", err)
			}
			if cfg.sasl.mechanism != c.Mechanism || cfg.sasl.enabled() != c.SASL {
				t.Errorf("mechanism %q sasl %v, want %q %v", cfg.sasl.mechanism, cfg.sasl.enabled(), c.Mechanism, c.SASL)
			}
			if c.TLSEnabled != nil && cfg.tls != *c.TLSEnabled || c.SkipTLSVerify != nil && cfg.skipTLS != *c.SkipTLSVerify {
				t.Errorf("tls %v skip %v", cfg.tls, cfg.skipTLS)
			}
			if c.CACert != nil && cfg.certs.caCert != *c.CACert {
				t.Errorf("caCert %q, want %q", cfg.certs.caCert, *c.CACert)
			}
		})
	}
}
