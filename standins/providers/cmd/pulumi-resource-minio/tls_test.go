package main

// TLS provider settings (tls.go): the configure cases of conformance/minio.json providerConfig, and a
// live MinIO served over TLS with a certificate from a CA made here, reached through the S3 requests
// and the admin client with minioCacertFile, and refused without it.

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
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/madmin-go/v3"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/conformance"
	"lakehouse.local/toolchain/providers/internal/lhp"
	"lakehouse.local/toolchain/providers/internal/livetest"
)

// ---- certificates made for the tests ----

type testCA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
}

var serial int64 = 1

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyPEM(t *testing.T, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	k := newKey(t)
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: c, key: k, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a leaf for localhost and 127.0.0.1 (server and client use); it returns the parsed
// certificate and both PEMs.
func (ca *testCA) issue(t *testing.T, name string) (*x509.Certificate, []byte, []byte) {
	t.Helper()
	k := newKey(t)
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &k.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), keyPEM(t, k)
}

func writeFile(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var minioEnv = []string{"MINIO_ENABLE_HTTPS", "MINIO_INSECURE", "MINIO_CACERT_FILE", "MINIO_CERT_FILE", "MINIO_KEY_FILE"}

// clearMinioEnv empties the variables upstream falls back to (an empty one counts as unset) and puts
// the provider config back afterwards.
func clearMinioEnv(t *testing.T) {
	t.Helper()
	for _, k := range minioEnv {
		t.Setenv(k, "")
	}
	saved := cfg
	t.Cleanup(func() { cfg = saved })
}

func configureWith(t *testing.T, args map[string]any) error {
	t.Helper()
	_, err := newProvider().Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: conformance.Struct(t, conformance.Props(args))})
	return err
}

// ---- the upstream table's configure cases ----

type configureCase struct {
	Name       string            `json:"name"`
	Config     map[string]any    `json:"config"`
	Env        map[string]string `json:"env"`
	Error      string            `json:"error"`
	SSL        *bool             `json:"ssl"`
	Insecure   *bool             `json:"insecure"`
	TrustsCA   *bool             `json:"trustsCA"`
	ClientCert *bool             `json:"clientCert"`
}

func TestProviderConfigMatchesUpstreamTable(t *testing.T) {
	cases := conformance.ConfigureCases[configureCase](t, "minio")

	dir := t.TempDir()
	ca := newTestCA(t, "stack CA")
	leaf, _, _ := ca.issue(t, "minio")
	_, clientCert, clientKey := ca.issue(t, "client")
	_, _, otherKey := ca.issue(t, "other")
	files := strings.NewReplacer(
		"$CA_WITH_TEXT", writeFile(t, filepath.Join(dir, "ca-with-text.pem"), append([]byte("stack CA, made by the test\n"), ca.certPEM...)),
		"$CA", writeFile(t, filepath.Join(dir, "ca.pem"), ca.certPEM),
		"$NOT_PEM", writeFile(t, filepath.Join(dir, "not.pem"), []byte("this is not a certificate\n")),
		"$KEY_FIRST", writeFile(t, filepath.Join(dir, "key-first.pem"), append(append([]byte{}, clientKey...), ca.certPEM...)),
		"$CLIENT_CERT", writeFile(t, filepath.Join(dir, "client.crt"), clientCert),
		"$CLIENT_KEY", writeFile(t, filepath.Join(dir, "client.key"), clientKey),
		"$OTHER_KEY", writeFile(t, filepath.Join(dir, "other.key"), otherKey),
		"$DIR", dir,
	)

	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			clearMinioEnv(t)
			for k, v := range c.Env {
				t.Setenv(k, files.Replace(v))
			}
			args := map[string]any{"minioServer": "127.0.0.1:9000", "minioUser": "u", "minioPassword": "p"}
			for k, v := range c.Config {
				if s, ok := v.(string); ok {
					v = files.Replace(s)
				}
				args[k] = v
			}
			err := configureWith(t, args)
			if c.Error != "" {
				if want := files.Replace(c.Error); err == nil || err.Error() != want {
					t.Fatalf("configure: %v, want %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("configure: %v", err)
			}
			if c.SSL != nil && (cfg.ssl != *c.SSL || (cfg.transport != nil) != *c.SSL) {
				t.Errorf("ssl %v, transport %v; want ssl %v", cfg.ssl, cfg.transport != nil, *c.SSL)
			}
			if cfg.transport == nil {
				return
			}
			conf := cfg.transport.TLSClientConfig
			if conf.MinVersion != tls.VersionTLS12 {
				t.Errorf("MinVersion %x, want TLS 1.2", conf.MinVersion)
			}
			if c.Insecure != nil && conf.InsecureSkipVerify != *c.Insecure {
				t.Errorf("InsecureSkipVerify %v, want %v", conf.InsecureSkipVerify, *c.Insecure)
			}
			if c.TrustsCA != nil {
				_, verr := leaf.Verify(x509.VerifyOptions{Roots: conf.RootCAs, DNSName: "localhost"})
				if (verr == nil) != *c.TrustsCA {
					t.Errorf("a certificate of the test CA verifies: %v, want %v", verr, *c.TrustsCA)
				}
			}
			if c.ClientCert != nil && (len(conf.Certificates) == 1) != *c.ClientCert {
				t.Errorf("client certificates %d, want one: %v", len(conf.Certificates), *c.ClientCert)
			}
		})
	}
}

// ---- configure, directly ----

func TestConfigureFailsOnAMissingCAFile(t *testing.T) {
	clearMinioEnv(t)
	missing := filepath.Join(t.TempDir(), "ca.pem")
	err := configure(map[string]any{"minioServer": "m:9000", "minioSsl": "true", "minioCacertFile": missing})
	if err == nil || err.Error() != "[FATAL] client creation failed (client): open "+missing+": no such file or directory" {
		t.Fatalf("configure: %v", err)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the read error is not kept in the chain: %v", err)
	}
}

func TestConfigureFailsOnAFileThatIsNotACertificate(t *testing.T) {
	clearMinioEnv(t)
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"empty.pem":   nil,
		"text.pem":    []byte("-----BEGIN NOTHING\nnot base64\n"),
		"garbage.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")}),
		"key.pem":     keyPEM(t, newKey(t)),
	} {
		path := writeFile(t, filepath.Join(dir, name), data)
		err := configure(map[string]any{"minioServer": "m:9000", "minioSsl": true, "minioCacertFile": path})
		if err == nil || err.Error() != "[FATAL] client creation failed (client): minio CA Cert is not a valid x509 certificate" {
			t.Errorf("%s: configure %v", name, err)
		}
	}
}

func TestConfigureWithAGoodCATrustsItAndTheSystemRoots(t *testing.T) {
	clearMinioEnv(t)
	ca := newTestCA(t, "stack CA")
	leaf, _, _ := ca.issue(t, "minio")
	path := writeFile(t, filepath.Join(t.TempDir(), "ca.pem"), ca.certPEM)
	if err := configure(map[string]any{"minioServer": "127.0.0.1:9000", "minioSsl": "true", "minioCacertFile": path}); err != nil {
		t.Fatal(err)
	}
	if cfg.transport == nil || cfg.certs.caCert != path || !cfg.ssl {
		t.Fatalf("config %+v", cfg)
	}
	roots := cfg.transport.TLSClientConfig.RootCAs
	for _, host := range []string{"localhost", "127.0.0.1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: host}); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	// The CA is added to the system roots, not instead of them.
	if sys, err := x509.SystemCertPool(); err == nil {
		sys.AddCert(ca.cert)
		if !roots.Equal(sys) {
			t.Error("the pool is not the system roots plus the CA")
		}
	}
	if endpointURL() != "https://127.0.0.1:9000" {
		t.Errorf("endpoint %s", endpointURL())
	}
}

func TestConfigureWithoutSslKeepsTheDefaultTransports(t *testing.T) {
	clearMinioEnv(t)
	if err := configure(map[string]any{"minioServer": "m:9000", "minioSsl": false, "minioInsecure": true,
		"minioCacertFile": "/nonexistent/ca.pem"}); err != nil {
		t.Fatal(err)
	}
	if cfg.transport != nil || endpointURL() != "http://m:9000" {
		t.Errorf("transport %v endpoint %s", cfg.transport, endpointURL())
	}
}

func TestAFailedConfigureKeepsThePreviousConfig(t *testing.T) {
	clearMinioEnv(t)
	if err := configure(map[string]any{"minioServer": "good:9000"}); err != nil {
		t.Fatal(err)
	}
	if err := configure(map[string]any{"minioServer": "bad:9000", "minioSsl": true, "minioCacertFile": "/nonexistent/ca.pem"}); err == nil {
		t.Fatal("want an error")
	}
	if cfg.server != "good:9000" {
		t.Errorf("server %q after a failed configure", cfg.server)
	}
}

// ---- live: MinIO over TLS ----

// startTLSMinio runs the project's MinIO image with a certificate for localhost and 127.0.0.1 signed by
// a CA made here (MinIO's --certs-dir: public.crt, private.key, CAs/), and returns its endpoint and
// the CA file. The container is removed when the test ends.
func startTLSMinio(t *testing.T) (endpoint, container, caFile string) {
	t.Helper()
	image, err := livetest.LocalImage("minio", "minio")
	if err != nil {
		t.Fatal(err)
	}
	ca := newTestCA(t, "lakehouse test stack CA")
	_, crt, key := ca.issue(t, "minio")
	dir := t.TempDir()
	certs := filepath.Join(dir, "certs")
	writeFile(t, filepath.Join(certs, "public.crt"), crt)
	writeFile(t, filepath.Join(certs, "private.key"), key)
	writeFile(t, filepath.Join(certs, "CAs", "ca.crt"), ca.certPEM)
	caFile = writeFile(t, filepath.Join(dir, "ca.pem"), ca.certPEM)

	port, err := livetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	name := "lh-standin-minio-tls-" + livetest.Suffix()
	if _, err := livetest.Docker("create", "--name", name, "-p", fmt.Sprintf("127.0.0.1:%d:9000", port),
		"-e", "MINIO_ROOT_USER="+rootUser, "-e", "MINIO_ROOT_PASSWORD="+rootPassword,
		"--health-cmd", "curl -fsS --cacert /certs/CAs/ca.crt https://localhost:9000/minio/health/ready >/dev/null || exit 1",
		"--health-interval", "2s", image, "server", "/data", "--certs-dir", "/certs"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := livetest.Docker("rm", "-f", "-v", name); err != nil {
			t.Error(err)
		}
	})
	if _, err := livetest.Docker("cp", certs+"/.", name+":/certs"); err != nil {
		t.Fatal(err)
	}
	if _, err := livetest.Docker("start", name); err != nil {
		t.Fatal(err)
	}
	if err := livetest.WaitHealthy(name, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port), name, caFile
}

func tlsProvider(t *testing.T, endpoint string, extra map[string]any) (*lhp.Provider, error) {
	t.Helper()
	p := newProvider()
	args := map[string]any{"minioServer": endpoint, "minioUser": rootUser, "minioPassword": rootPassword,
		"minioSsl": "true", "minioRegion": "us-east-1"}
	for k, v := range extra {
		args[k] = v
	}
	_, err := p.Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: conformance.Struct(t, conformance.Props(args))})
	return p, err
}

const unknownAuthority = "x509: certificate signed by unknown authority"

func TestLiveTLSWithTheStacksCA(t *testing.T) {
	clearMinioEnv(t)
	endpoint, container, caFile := startTLSMinio(t)
	onDisk := func(name string) bool {
		out, err := livetest.Docker("exec", container, "sh", "-c", "test -d /data/"+name+" && echo yes || echo no")
		if err != nil {
			t.Fatal(err)
		}
		return out == "yes"
	}

	t.Run("with minioCacertFile: buckets and IAM work", func(t *testing.T) {
		p, err := tlsProvider(t, endpoint, map[string]any{"minioCacertFile": caFile})
		if err != nil {
			t.Fatal(err)
		}
		name := bucketName(t)
		id, in, outs, err := create(t, p, map[string]any{"bucket": name, "forceDestroy": true})
		if err != nil {
			t.Fatalf("create over TLS: %v", err)
		}
		if !onDisk(name) {
			t.Fatal("the bucket is not on the server")
		}
		state, exists := read(t, p, id, outs, in)
		if !exists {
			t.Fatal("the bucket reads as gone")
		}
		if got, want := str(state, "bucketDomainName"), "https://"+endpoint+"/minio/"+name; got != want {
			t.Errorf("bucketDomainName %q, want %q", got, want)
		}
		if err := deleteBucket(t, p, id, state); err != nil {
			t.Fatalf("delete over TLS: %v", err)
		}
		if onDisk(name) {
			t.Error("the bucket is still on the server after delete")
		}
		if _, exists := read(t, p, id, state, in); exists {
			t.Error("a deleted bucket reads as existing")
		}

		uID, uIn, uOut := createAs(t, p, iamUserToken, map[string]any{"name": "tls-user-" + name})
		if str(uOut, "status") != "enabled" || !readAs(t, p, iamUserToken, uID, uOut, uIn) {
			t.Fatalf("user %s not read back over TLS (status %q)", uID, str(uOut, "status"))
		}
		// The admin client and the S3 requests share the one transport made at configure.
		adm, err := adminClient()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := adm.GetUserInfo(context.Background(), uID); err != nil {
			t.Errorf("admin client: %v", err)
		}
		deleteAs(t, p, iamUserToken, uID, uOut)
		if readAs(t, p, iamUserToken, uID, uOut, uIn) {
			t.Error("deleted user still read")
		}
	})

	t.Run("localhost is in the certificate too", func(t *testing.T) {
		_, port, _ := net.SplitHostPort(endpoint)
		if _, err := tlsProvider(t, "localhost:"+port, map[string]any{"minioCacertFile": caFile}); err != nil {
			t.Fatal(err)
		}
		if _, err := s3(context.Background(), http.MethodGet, "/", nil, nil, nil); err != nil {
			t.Errorf("list buckets via localhost: %v", err)
		}
	})

	t.Run("without the CA the server is not trusted", func(t *testing.T) {
		p, err := tlsProvider(t, endpoint, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s3(context.Background(), http.MethodGet, "/", nil, nil, nil)
		var unknown x509.UnknownAuthorityError
		if err == nil || !errors.As(err, &unknown) || !strings.Contains(err.Error(), unknownAuthority) {
			t.Fatalf("S3 request without the CA: %v, want %q", err, unknownAuthority)
		}
		// Go wraps it in a *tls.CertificateVerificationError, which minio-go v7.0.63's retry check does
		// not look through, so upstream retries it like any request error (as the stand-in does).
		var verification *tls.CertificateVerificationError
		if !errors.As(err, &verification) {
			t.Errorf("want a *tls.CertificateVerificationError in the chain: %T", errors.Unwrap(err))
		}
		name := bucketName(t)
		_, _, _, err = create(t, p, map[string]any{"bucket": name})
		if err == nil || !strings.Contains(err.Error(), unknownAuthority) {
			t.Errorf("bucket create without the CA: %v, want %q", err, unknownAuthority)
		}
		t.Logf("bucket create without the CA: %v", err)
		if onDisk(name) {
			t.Error("a bucket was made without a trusted connection")
		}
		// madmin-go (v1.7.5 upstream, v3 here) retries every network error 10 times, up to 30 s apart
		// (about 100 s in all); two attempts are enough to see the error here.
		savedRetry := madmin.MaxRetry
		madmin.MaxRetry = 2
		defer func() { madmin.MaxRetry = savedRetry }()
		in, failures := conformance.Check(t, p, iamUserToken, "r", nil, conformance.Props(map[string]any{"name": "tls-untrusted"}))
		if len(failures) > 0 {
			t.Fatal(failures)
		}
		_, err = p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: conformance.URN(iamUserToken, "r"),
			Type: iamUserToken, Properties: conformance.Struct(t, in)})
		if err == nil || !strings.Contains(err.Error(), unknownAuthority) {
			t.Errorf("IAM user create without the CA: %v, want %q", err, unknownAuthority)
		}
		t.Logf("IAM user create without the CA: %v", err)
	})

	t.Run("minioInsecure without the CA skips the check", func(t *testing.T) {
		if _, err := tlsProvider(t, endpoint, map[string]any{"minioInsecure": "true"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s3(context.Background(), http.MethodGet, "/", nil, nil, nil); err != nil {
			t.Errorf("S3 request with minioInsecure: %v", err)
		}
		adm, err := adminClient()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := adm.ListUsers(context.Background()); err != nil {
			t.Errorf("admin request with minioInsecure: %v", err)
		}
	})

	t.Run("the CA from MINIO_CACERT_FILE", func(t *testing.T) {
		t.Setenv("MINIO_CACERT_FILE", caFile)
		if _, err := tlsProvider(t, endpoint, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s3(context.Background(), http.MethodGet, "/", nil, nil, nil); err != nil {
			t.Errorf("S3 request with the CA from the environment: %v", err)
		}
	})
}
