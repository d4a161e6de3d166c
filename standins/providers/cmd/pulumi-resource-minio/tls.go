package main

// TLS provider settings, as aminueza/terraform-provider-minio v1.20.1 reads them (minio/provider.go
// Provider schema, minio/check_config.go NewConfig, minio/new_client.go NewClient, customTransport,
// isValidCertificate; recorded in standins/providers/conformance/minio.json providerConfig):
//   - minioSsl (else MINIO_ENABLE_HTTPS), minioInsecure (else MINIO_INSECURE), minioCacertFile (else
//     MINIO_CACERT_FILE), minioCertFile (else MINIO_CERT_FILE), minioKeyFile (else MINIO_KEY_FILE). The
//     environment is the provider process's; a variable only counts when it is not empty (Terraform's
//     MultiEnvDefaultFunc), and a given input (even "") wins over it.
//   - The transport is made once, at configure (upstream's providerConfigure calls NewClient), and the
//     S3 requests and the admin client share it. Without minioSsl none of the TLS settings is looked at
//     (no file is read); the stand-in then keeps net/http's and madmin-go's default transports.
//   - With minioSsl: TLS 1.2 at least; the CA file is read and its first PEM block must hold a
//     certificate, then the file is added to the system pool (the system roots stay trusted); a
//     client certificate is loaded only when both minioCertFile and minioKeyFile are set (one alone is
//     ignored); minioInsecure skips verification.
//   - A failure fails the configure as upstream words it: "[FATAL] client creation failed (client): "
//     followed by the file's open error, "minio CA Cert is not a valid x509 certificate", or the key
//     pair's load error.

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// errNotACertificate is upstream's wording for a CA file whose first PEM block is not a certificate.
var errNotACertificate = errors.New("minio CA Cert is not a valid x509 certificate")

// tlsFiles are the certificate paths of the provider config.
type tlsFiles struct {
	caCert, clientCert, clientKey string
}

// configString is the input's value when given (not null), else its environment variable's when that
// is not empty, else "".
func configString(c map[string]any, key, env string) string {
	if v, ok := c[key]; ok && v != nil {
		if s, ok := v.(string); ok {
			return s
		}
		return fmt.Sprint(v)
	}
	return os.Getenv(env)
}

// configBool is a given input read as before (true, or the string "true" @pulumi/minio sends), else
// the environment variable parsed as a boolean (an unparseable value counts as unset), else false.
func configBool(c map[string]any, key, env string) bool {
	if v, ok := c[key]; ok && v != nil {
		return boolish(v)
	}
	if e := strings.TrimSpace(os.Getenv(env)); e != "" {
		b, err := strconv.ParseBool(e)
		return err == nil && b
	}
	return false
}

// firstBlockIsCertificate: the first PEM block in data parses as X.509 certificates (text before it
// is skipped, as pem.Decode does; later blocks are not looked at).
func firstBlockIsCertificate(data []byte) bool {
	block, _ := pem.Decode(data)
	if block == nil {
		return false
	}
	certs, err := x509.ParseCertificates(block.Bytes)
	return err == nil && len(certs) > 0
}

// tlsTransport is the one transport of a minioSsl provider: minio-go's defaults (proxy from the
// environment, 30 s dial and keep-alive, 256 idle connections and 16 per host, a minute for response
// headers and idle connections, 10 s for the TLS handshake, no transparent gzip) with the TLS settings.
func tlsTransport(insecure bool, f tlsFiles) (*http.Transport, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.caCert != "" {
		pemData, err := os.ReadFile(f.caCert)
		if err != nil {
			return nil, err
		}
		if !firstBlockIsCertificate(pemData) {
			return nil, errNotACertificate
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		pool.AppendCertsFromPEM(pemData)
		conf.RootCAs = pool
	}
	if f.clientCert != "" && f.clientKey != "" {
		pair, err := tls.LoadX509KeyPair(f.clientCert, f.clientKey)
		if err != nil {
			return nil, err
		}
		conf.Certificates = []tls.Certificate{pair}
	}
	conf.InsecureSkipVerify = insecure //nolint:gosec // minioInsecure asks for it
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   16,
		ResponseHeaderTimeout: time.Minute,
		IdleConnTimeout:       time.Minute,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 10 * time.Second,
		DisableCompression:    true,
		TLSClientConfig:       conf,
	}, nil
}

// clientCreationError words a failure to make the clients like upstream's providerConfigure
// (NewResourceError("client creation failed", "client", err)).
func clientCreationError(err error) error {
	return fmt.Errorf("[FATAL] client creation failed (client): %w", err)
}
