package main

// Live UserScramCredential: on the SASL broker of sasl_live_test.go (SASL_SSL, SCRAM-SHA-512, the admin
// user added at format time), the provider logged in as admin manages a credential for user connect,
// and a client of the test logs in as connect to see what the broker accepts.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/conformance"
)

// loginAs connects to the SASL_SSL listener as user and asks for the brokers: nil when the broker takes
// the credentials.
func loginAs(user, password string) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(saslBroker.caPEM))
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	cl, err := kgo.NewClient(kgo.SeedBrokers(saslBroker.saslSSL), kgo.Dialer(d.DialContext),
		kgo.SASL(scram.Auth{User: user, Pass: password}.AsSha512Mechanism()), kgo.RequestRetries(0))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err = kadm.NewClient(cl).ListBrokers(ctx)
	return err
}

// eventually waits (up to 20 s) until the login's outcome is the wanted one: the broker applies a
// credential change from the metadata log, shortly after the admin request returns.
func eventually(t *testing.T, what, user, password string, accepted bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := loginAs(user, password)
		if accepted && err == nil {
			return
		}
		if !accepted && errors.Is(err, kerr.SaslAuthenticationFailed) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: login as %s: %v (want accepted=%v)", what, user, err, accepted)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func scramCall(t *testing.T, p bridged, news map[string]any) resource.PropertyMap {
	t.Helper()
	in, failures := conformance.Check(t, p, scramToken, "cred", nil, conformance.Props(news))
	if len(failures) > 0 {
		t.Fatalf("check: %v", failures)
	}
	return in
}

func TestLiveUserScramCredentialLifecycle(t *testing.T) {
	needSASLBroker(t)
	p := saslProvider(t, map[string]any{"bootstrapServers": []any{saslBroker.saslSSL}, "caCert": saslBroker.caPEM,
		"saslUsername": saslUser, "saslPassword": saslPassword, "saslMechanism": "scram-sha512"})
	const user, pw1, pw2 = "connect", "connect-first-9a1c", "connect-second-7b2d"
	urn := conformance.URN(scramToken, "cred")
	ctx := context.Background()
	eventually(t, "before create", user, pw1, false)

	// Create.
	in := scramCall(t, p, map[string]any{"username": user, "scramMechanism": "SCRAM-SHA-512", "password": map[string]any{"<secret>": pw1}})
	cr, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Type: scramToken, Properties: conformance.Struct(t, in)})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	t.Cleanup(func() {
		_, _ = p.Delete(ctx, &pulumirpc.DeleteRequest{Id: user + "|SCRAM-SHA-512", Urn: urn, Type: scramToken, Properties: cr.GetProperties()})
	})
	if cr.GetId() != "connect|SCRAM-SHA-512" {
		t.Errorf("id %q, want connect|SCRAM-SHA-512", cr.GetId())
	}
	outs := conformance.Unstruct(t, cr.GetProperties())
	if pw := outs["password"]; !pw.IsSecret() || pw.SecretValue().Element.StringValue() != pw1 {
		t.Errorf("password output %v, want a secret", pw)
	}
	if it := outs["scramIterations"]; it.NumberValue() != 4096 {
		t.Errorf("scramIterations %v, want 4096", it)
	}
	eventually(t, "after create", user, pw1, true)

	// Update: a new password and more iterations, in place.
	news := scramCall(t, p, map[string]any{"username": user, "scramMechanism": "SCRAM-SHA-512", "scramIterations": float64(8192),
		"password": map[string]any{"<secret>": pw2}})
	dr, err := p.Diff(ctx, &pulumirpc.DiffRequest{Id: cr.GetId(), Urn: urn, Type: scramToken, Olds: cr.GetProperties(),
		OldInputs: conformance.Struct(t, in), News: conformance.Struct(t, news)})
	if err != nil || len(dr.GetReplaces()) != 0 || len(dr.GetDiffs()) != 2 {
		t.Fatalf("diff: %v %v", dr, err)
	}
	ur, err := p.Update(ctx, &pulumirpc.UpdateRequest{Id: cr.GetId(), Urn: urn, Type: scramToken, Olds: cr.GetProperties(),
		OldInputs: conformance.Struct(t, in), News: conformance.Struct(t, news)})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	eventually(t, "old password after update", user, pw1, false)
	eventually(t, "new password after update", user, pw2, true)

	// Read back: the live iterations, the state's password (a secret).
	rr, err := p.Read(ctx, &pulumirpc.ReadRequest{Id: cr.GetId(), Urn: urn, Type: scramToken, Properties: ur.GetProperties(),
		Inputs: conformance.Struct(t, news)})
	if err != nil || rr.GetId() != cr.GetId() {
		t.Fatalf("read: %v %v", rr, err)
	}
	got := conformance.Unstruct(t, rr.GetProperties())
	if got["scramIterations"].NumberValue() != 8192 || got["username"].StringValue() != user ||
		got["scramMechanism"].StringValue() != "SCRAM-SHA-512" {
		t.Errorf("read back %v", got)
	}
	if pw := got["password"]; !pw.IsSecret() || pw.SecretValue().Element.StringValue() != pw2 {
		t.Errorf("read back password %v, want the state's, a secret", pw)
	}

	// An import by ID reads the same credential.
	ir, err := p.Read(ctx, &pulumirpc.ReadRequest{Id: cr.GetId(), Urn: urn, Type: scramToken})
	if err != nil || ir.GetId() != cr.GetId() || conformance.Unstruct(t, ir.GetProperties())["scramIterations"].NumberValue() != 8192 {
		t.Errorf("import read: %v %v", ir, err)
	}

	// Too many iterations: the broker refuses; the error does not name the password.
	bad := scramCall(t, p, map[string]any{"username": user, "scramMechanism": "SCRAM-SHA-512", "scramIterations": float64(20000),
		"password": map[string]any{"<secret>": pw2}})
	_, err = p.Update(ctx, &pulumirpc.UpdateRequest{Id: cr.GetId(), Urn: urn, Type: scramToken, Olds: ur.GetProperties(),
		OldInputs: conformance.Struct(t, news), News: conformance.Struct(t, bad)})
	if err == nil || strings.Contains(err.Error(), pw2) {
		t.Errorf("20000 iterations: %v", err)
	} else {
		t.Logf("20000 iterations: %v", err)
	}

	// Delete: the login is refused, a read finds nothing, a second delete fails.
	if _, err := p.Delete(ctx, &pulumirpc.DeleteRequest{Id: cr.GetId(), Urn: urn, Type: scramToken, Properties: ur.GetProperties()}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	eventually(t, "after delete", user, pw2, false)
	rr, err = p.Read(ctx, &pulumirpc.ReadRequest{Id: cr.GetId(), Urn: urn, Type: scramToken, Properties: ur.GetProperties(),
		Inputs: conformance.Struct(t, news)})
	if err != nil || rr.GetId() != "" {
		t.Errorf("read after delete: %v %v (want gone)", rr, err)
	}
	_, err = p.Delete(ctx, &pulumirpc.DeleteRequest{Id: cr.GetId(), Urn: urn, Type: scramToken, Properties: ur.GetProperties()})
	if err == nil || strings.Contains(err.Error(), pw2) {
		t.Errorf("second delete: %v (want an error)", err)
	} else {
		t.Logf("second delete: %v", err)
	}
}

func TestLiveAScramCredentialOfAnotherMechanismIsNotThisOne(t *testing.T) {
	needSASLBroker(t)
	p := saslProvider(t, map[string]any{"bootstrapServers": []any{saslBroker.saslSSL}, "caCert": saslBroker.caPEM,
		"saslUsername": saslUser, "saslPassword": saslPassword, "saslMechanism": "scram-sha512"})
	// admin has only a SCRAM-SHA-512 credential: its SCRAM-SHA-256 one is gone.
	state := resource.PropertyMap{"username": resource.NewStringProperty(saslUser), "scramMechanism": resource.NewStringProperty("SCRAM-SHA-256")}
	rr, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Id: saslUser + "|SCRAM-SHA-256", Urn: conformance.URN(scramToken, "cred"),
		Type: scramToken, Properties: conformance.Struct(t, state)})
	if err != nil || rr.GetId() != "" {
		t.Errorf("read of admin|SCRAM-SHA-256: %v %v (want gone)", rr, err)
	}
	// A user without any credential is gone too.
	state["username"] = resource.NewStringProperty("nobody-here")
	rr, err = p.Read(context.Background(), &pulumirpc.ReadRequest{Id: "nobody-here|SCRAM-SHA-256", Urn: conformance.URN(scramToken, "cred"),
		Type: scramToken, Properties: conformance.Struct(t, state)})
	if err != nil || rr.GetId() != "" {
		t.Errorf("read of nobody-here: %v %v (want gone)", rr, err)
	}
}
