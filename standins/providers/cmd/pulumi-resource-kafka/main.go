// Command pulumi-resource-kafka is the lakehouse's stand-in for the pulumi-kafka provider (whose
// provider module, and the Terraform provider it bridges, the reachable Go module proxy does not serve).
// It implements kafka:index/topic:Topic with @pulumi/kafka 3.13.2's property names through the Kafka
// admin API (github.com/twmb/franz-go), behaving like Mongey/terraform-provider-kafka v0.13.1 behind
// the Terraform bridge: name replaces (delete before replace when given), partitions grow in place and
// a decrease replaces, replicationFactor changes in place by partition reassignment, config is altered
// in place, and Read reports the live topic (partitions, replication factor, non-default config).
// The property table is standins/providers/conformance/kafka.json. Provider config: bootstrapServers,
// tlsEnabled (default true, as upstream), skipTlsVerify, timeout (seconds, default 120), SASL with
// saslUsername/saslPassword and saslMechanism plain (default), scram-sha256 or scram-sha512 (over TLS or
// plaintext), caCert (PEM text or file path; verifies the brokers' certificates), clientCert/clientKey
// (+ clientKeyPassphrase), the deprecated *File forms, and upstream's KAFKA_* environment fallbacks
// (auth.go). Not supported: saslMechanism aws-iam and oauthbearer (accepted by upstream), kafkaVersion.
// It also implements kafka:index/userScramCredential:UserScramCredential (scram.go) like upstream's
// kafka_user_scram_credential: username and scramMechanism (SCRAM-SHA-256/512) replace, password,
// scramIterations (default and minimum 4096) and passwordWoVersion update in place by an upsert
// (AlterUserSCRAMs with a fresh 64-byte salt), the ID is username|mechanism, Read reports the live
// iterations and keeps the state's password (a secret output), a credential gone is dropped on refresh.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

var version = "3.13.2"

const topicToken = "kafka:index/topic:Topic"

type settings struct {
	brokers []string
	tls     bool
	skipTLS bool
	timeout time.Duration
	sasl    saslSettings
	certs   tlsSettings
}

var cfg = settings{tls: true, timeout: 120 * time.Second}

func newProvider() *lhp.Provider {
	return &lhp.Provider{
		Name:        "kafka",
		Version:     version,
		Resources:   map[string]lhp.Resource{topicToken: topic{}, scramToken: scramCredential{}},
		OnConfigure: configure,
	}
}

func main() { serve(bridged{newProvider()}, version) }

func configure(c map[string]any) error {
	a := lhp.Args(c)
	cfg = settings{tls: true, timeout: 120 * time.Second}
	cfg.brokers = a.Strings("bootstrapServers")
	if s, ok := c["bootstrapServers"].(string); ok { // from stack config: a JSON list or a comma list
		s = strings.Trim(s, "[]")
		for _, b := range strings.Split(s, ",") {
			if b = strings.Trim(strings.TrimSpace(b), `"`); b != "" {
				cfg.brokers = append(cfg.brokers, b)
			}
		}
	}
	cfg.tls = configBool(c, "tlsEnabled", "KAFKA_ENABLE_TLS", true)
	cfg.skipTLS = configBool(c, "skipTlsVerify", "KAFKA_SKIP_VERIFY", false)
	t := a.Num("timeout", 0)
	if s, ok := c["timeout"].(string); ok { // @pulumi/kafka sends numbers JSON-encoded
		t, _ = strconv.ParseFloat(strings.TrimSpace(s), 64)
	}
	if t > 0 {
		cfg.timeout = time.Duration(t) * time.Second
	}
	sasl, err := parseSASL(c)
	if err != nil {
		return err
	}
	cfg.sasl = sasl
	cfg.certs = parseTLSInputs(c)
	apiSupport.reset()
	return nil
}

// admin opens a client the way upstream's sarama client behaves: a few quick retries, then an error
// (upstream does not wait for brokers that are not up; the library gates the provider on readiness).
func admin() (*kadm.Client, func(), error) {
	if len(cfg.brokers) == 0 {
		return nil, nil, errors.New("kafka provider: bootstrapServers is not set")
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.brokers...),
		kgo.RequestRetries(3),
		kgo.RetryBackoffFn(func(int) time.Duration { return 250 * time.Millisecond }),
		kgo.RetryTimeout(10 * time.Second),
		kgo.DialTimeout(10 * time.Second),
	}
	// As upstream: the TLS config (certificates read now, at the first client) before SASL's checks.
	if cfg.tls {
		conf, err := cfg.certs.config(cfg.skipTLS)
		if err != nil {
			return nil, nil, err
		}
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: conf}
		opts = append(opts, kgo.Dialer(d.DialContext))
	}
	if cfg.sasl.enabled() {
		m, err := cfg.sasl.client()
		if err != nil {
			return nil, nil, err
		}
		opts = append(opts, kgo.SASL(m))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, nil, err
	}
	adm := kadm.NewClient(cl)
	adm.SetTimeoutMillis(int32(cfg.timeout / time.Millisecond))
	return adm, cl.Close, nil
}

// withAdmin runs f with a fresh admin client and a per-call deadline.
func withAdmin(ctx context.Context, what string, f func(context.Context, *kadm.Client) error) error {
	adm, closeFn, err := admin()
	if err != nil {
		return err
	}
	defer closeFn()
	cctx, cancel := context.WithTimeout(ctx, cfg.timeout+30*time.Second)
	defer cancel()
	if err := f(cctx, adm); err != nil {
		return fmt.Errorf("%s: %w", what, clientErr(err))
	}
	return nil
}

// clientErr words a connection failure like upstream's client does, naming the brokers tried.
func clientErr(err error) error {
	if e := saslErr(err); e != nil {
		return e
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "unable to dial") {
		return fmt.Errorf("kafka: client has run out of available brokers to talk to (brokers %s, tlsEnabled=%v): %w",
			strings.Join(cfg.brokers, ","), cfg.tls, err)
	}
	return err
}

// saslErr words the broker's refusals of the SASL exchange, naming the user (never the password).
func saslErr(err error) error {
	brokers := strings.Join(cfg.brokers, ",")
	switch {
	case errors.Is(err, kerr.SaslAuthenticationFailed):
		return fmt.Errorf("kafka: the broker (%s) refused the SASL credentials of user %q (saslMechanism %s): %w",
			brokers, cfg.sasl.user, cfg.sasl.mechanism, err)
	case errors.Is(err, kerr.UnsupportedSaslMechanism):
		return fmt.Errorf("kafka: the broker (%s) does not enable SASL mechanism %s (saslMechanism %s) on that listener: %w",
			brokers, cfg.sasl.wireName(), cfg.sasl.mechanism, err)
	case errors.Is(err, kerr.IllegalSaslState) && cfg.sasl.enabled():
		return fmt.Errorf("kafka: the broker (%s) does not take SASL on that listener, but saslUsername/saslPassword are set (user %q): %w",
			brokers, cfg.sasl.user, err)
	}
	return nil
}

// serverErr words a broker error code like upstream does ("kafka server: <description>").
func serverErr(err error, msg string) error {
	var ke *kerr.Error
	if errors.As(err, &ke) {
		if msg != "" {
			return fmt.Errorf("kafka server: %s: %s", ke.Description, msg)
		}
		return fmt.Errorf("kafka server: %s", ke.Description)
	}
	return err
}

// waitFor polls check every interval until it reports done, fails, or timeout passes.
func waitFor(ctx context.Context, what string, delay, interval, timeout time.Duration, check func(context.Context) (bool, string, error)) error {
	deadline := time.Now().Add(timeout)
	last := ""
	sleep := delay
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(sleep):
		}
		sleep = interval
		done, state, err := check(ctx)
		if err != nil {
			return fmt.Errorf("error waiting for %s: %w", what, err)
		}
		if done {
			return nil
		}
		last = state
		if time.Now().After(deadline) {
			return fmt.Errorf("error waiting for %s: timeout while waiting for state to become ready (last state: %q, timeout: %s)",
				what, last, timeout)
		}
	}
}
