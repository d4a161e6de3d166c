package main

// Provider configuration for authentication and TLS, as terraform-provider-kafka v0.13.1 reads it
// (kafka/provider.go Provider and providerConfigure, kafka/config.go newKafkaConfig, saslEnabled,
// parsePemOrLoadFromFile, newTLSConfig) and as the bridge and @pulumi/kafka 3.13.2 pass it:
//   - saslMechanism: plain (default), scram-sha256, scram-sha512, aws-iam or oauthbearer; anything else
//     fails at configure. The stand-in speaks plain and the two SCRAM mechanisms; aws-iam and oauthbearer
//     are accepted by upstream but refused here (at configure, when they would be used).
//   - SASL is used when saslUsername or saslPassword is set (or the mechanism is aws-iam), on a TLS or a
//     plaintext connection alike; an empty username or password then fails like sarama's config check.
//   - caCert (else the deprecated caCertFile), clientCert/clientKey (else clientCertFile/clientKeyFile),
//     clientKeyPassphrase: each a PEM text, or else the path of a PEM file. The CA is added to the system
//     pool. They are read only when tlsEnabled, when the first client is made (upstream's LazyClient),
//     so an unreadable CA fails the first Kafka operation, not the configure.
//   - environment fallbacks (Terraform DefaultFunc, read by the provider process when the input is not
//     set): KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_SASL_MECHANISM, KAFKA_CA_CERT,
//     KAFKA_CLIENT_CERT, KAFKA_CLIENT_KEY, KAFKA_CLIENT_KEY_PASSPHRASE, KAFKA_ENABLE_TLS, KAFKA_SKIP_VERIFY.

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// saslSettings is the SASL part of the provider config. The password is never part of an error.
type saslSettings struct {
	user      string
	password  string
	mechanism string
}

// tlsSettings are the certificate inputs, each a PEM text or a file path.
type tlsSettings struct {
	caCert              string
	clientCert          string
	clientKey           string
	clientKeyPassphrase string
}

// configString is an input's value, else (input not set) its environment variable's (an empty
// variable counts as unset, as Terraform's EnvDefaultFunc), else def.
func configString(c map[string]any, key, env, def string) string {
	if v, ok := c[key]; ok && v != nil {
		if s, ok := v.(string); ok {
			return s
		}
		return fmt.Sprint(v)
	}
	if env != "" {
		if e := os.Getenv(env); e != "" {
			return e
		}
	}
	return def
}

// configBool: a bool input, or a string one ("true"/"false", how @pulumi/kafka sends booleans), else
// the environment variable, else def. Unparseable text counts as unset.
func configBool(c map[string]any, key, env string, def bool) bool {
	switch b := c[key].(type) {
	case bool:
		return b
	case string:
		if v, err := strconv.ParseBool(strings.TrimSpace(b)); err == nil {
			return v
		}
		return def
	}
	if e := os.Getenv(env); e != "" {
		if v, err := strconv.ParseBool(e); err == nil {
			return v
		}
	}
	return def
}

var saslMechanisms = []string{"scram-sha512", "scram-sha256", "aws-iam", "oauthbearer", "plain"}

// parseSASL reads the SASL inputs and checks the mechanism the way upstream's providerConfigure does.
func parseSASL(c map[string]any) (saslSettings, error) {
	s := saslSettings{
		user:      configString(c, "saslUsername", "KAFKA_SASL_USERNAME", ""),
		password:  configString(c, "saslPassword", "KAFKA_SASL_PASSWORD", ""),
		mechanism: configString(c, "saslMechanism", "KAFKA_SASL_MECHANISM", "plain"),
	}
	known := false
	for _, m := range saslMechanisms {
		known = known || s.mechanism == m
	}
	if !known {
		return s, fmt.Errorf(`[ERROR] Invalid sasl mechanism "%s": can only be "scram-sha256", "scram-sha512", "aws-iam", "oauthbearer" or "plain"`, s.mechanism)
	}
	if s.enabled() && (s.mechanism == "aws-iam" || s.mechanism == "oauthbearer") {
		return s, fmt.Errorf("saslMechanism %q is not supported by the lakehouse stand-in kafka provider (it speaks plain, scram-sha256 and scram-sha512)", s.mechanism)
	}
	return s, nil
}

// enabled is upstream's saslEnabled.
func (s saslSettings) enabled() bool {
	return s.user != "" || s.password != "" || s.mechanism == "aws-iam"
}

// wireName is the mechanism's name on the wire (what the broker's sasl.enabled.mechanisms lists).
func (s saslSettings) wireName() string {
	switch s.mechanism {
	case "scram-sha512":
		return "SCRAM-SHA-512"
	case "scram-sha256":
		return "SCRAM-SHA-256"
	case "plain":
		return "PLAIN"
	}
	return strings.ToUpper(s.mechanism)
}

// client is the franz-go mechanism; an empty username or password fails as sarama's Config.Validate
// words it (upstream's client is sarama).
func (s saslSettings) client() (sasl.Mechanism, error) {
	if s.user == "" {
		return nil, errors.New("kafka: invalid configuration (Net.SASL.User must not be empty when SASL is enabled)")
	}
	if s.password == "" {
		return nil, errors.New("kafka: invalid configuration (Net.SASL.Password must not be empty when SASL is enabled)")
	}
	switch s.mechanism {
	case "scram-sha512":
		return scram.Auth{User: s.user, Pass: s.password}.AsSha512Mechanism(), nil
	case "scram-sha256":
		return scram.Auth{User: s.user, Pass: s.password}.AsSha256Mechanism(), nil
	case "plain":
		return plain.Auth{User: s.user, Pass: s.password}.AsMechanism(), nil
	}
	return nil, fmt.Errorf("saslMechanism %q is not supported by the lakehouse stand-in kafka provider", s.mechanism)
}

// parseTLSInputs reads the certificate inputs; a deprecated *File input is the fallback of its
// successor, both defaulting to the same environment variable.
func parseTLSInputs(c map[string]any) tlsSettings {
	pick := func(key, oldKey, env string) string {
		if v := configString(c, key, env, ""); v != "" {
			return v
		}
		return configString(c, oldKey, env, "")
	}
	return tlsSettings{
		caCert:              pick("caCert", "caCertFile", "KAFKA_CA_CERT"),
		clientCert:          pick("clientCert", "clientCertFile", "KAFKA_CLIENT_CERT"),
		clientKey:           pick("clientKey", "clientKeyFile", "KAFKA_CLIENT_KEY"),
		clientKeyPassphrase: configString(c, "clientKeyPassphrase", "KAFKA_CLIENT_KEY_PASSPHRASE", ""),
	}
}

// pemOrFile is upstream's parsePemOrLoadFromFile: the input itself when it holds a PEM block, else the
// file it names, which must hold one. A PEM text that does not decode is not echoed (it may be a key).
func pemOrFile(what, input string) (*pem.Block, []byte, error) {
	if b, _ := pem.Decode([]byte(input)); b != nil {
		return b, []byte(input), nil
	}
	if strings.Contains(input, "-----BEGIN") || strings.Contains(input, "\n") {
		return nil, nil, fmt.Errorf("%s: the PEM text does not decode (and is not a file path)", what)
	}
	data, err := os.ReadFile(input)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, nil, fmt.Errorf("%s: [ERROR] Error unable to decode pem (file %s)", what, input)
	}
	return b, data, nil
}

// config is upstream's newTLSConfig: an optional client certificate, and the system roots plus caCert
// when one is given; skipTLSVerify turns verification off.
func (t tlsSettings) config(skipVerify bool) (*tls.Config, error) {
	conf := &tls.Config{InsecureSkipVerify: skipVerify} //nolint:gosec // the user's choice, as upstream
	if t.clientCert != "" && t.clientKey != "" {
		_, certPEM, err := pemOrFile("clientCert", t.clientCert)
		if err != nil {
			return nil, err
		}
		keyBlock, keyPEM, err := pemOrFile("clientKey", t.clientKey)
		if err != nil {
			return nil, err
		}
		//nolint:staticcheck // upstream decrypts legacy encrypted PEM keys with the passphrase
		if x509.IsEncryptedPEMBlock(keyBlock) {
			der, err := x509.DecryptPEMBlock(keyBlock, []byte(t.clientKeyPassphrase)) //nolint:staticcheck
			if err != nil {
				return nil, fmt.Errorf("clientKey: %w", err)
			}
			keyPEM = pem.EncodeToMemory(&pem.Block{Type: keyBlock.Type, Bytes: der})
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("clientCert/clientKey: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if t.caCert == "" {
		return conf, nil
	}
	pool, _ := x509.SystemCertPool()
	if pool == nil {
		pool = x509.NewCertPool()
	}
	_, caPEM, err := pemOrFile("caCert", t.caCert)
	if err != nil {
		return nil, err
	}
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("caCert: could not add the caPem (no certificate in it parses)")
	}
	conf.RootCAs = pool
	return conf, nil
}
