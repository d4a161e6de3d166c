package main

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/conformance"
)

func TestUserScramCredentialMatchesUpstreamTable(t *testing.T) {
	tab := conformance.Load(t, "kafka")
	r, ok := tab.Resources[scramToken]
	if !ok {
		t.Fatalf("kafka.json has no %s", scramToken)
	}
	p := bridged{newProvider()}
	conformance.RunCheckCases(t, p, scramToken, r)
	conformance.RunDiffCases(t, p, scramToken, r, nil)
}

func TestScramOutputsKeepThePasswordSecretWithTheDefaultIterations(t *testing.T) {
	outs := scramOutputs(resource.PropertyMap{
		"username": resource.NewStringProperty("connect"), "scramMechanism": resource.NewStringProperty("SCRAM-SHA-512"),
		"password": resource.NewStringProperty("pw"), "passwordWo": resource.MakeSecret(resource.NewStringProperty("wo")),
		defaultsKey: resource.NewArrayProperty(nil),
	})
	if pw := outs["password"]; !pw.IsSecret() || pw.SecretValue().Element.StringValue() != "pw" {
		t.Errorf("password output %v, want the secret pw", pw)
	}
	if it := outs["scramIterations"]; !it.IsNumber() || it.NumberValue() != 4096 {
		t.Errorf("scramIterations output %v, want 4096", it)
	}
	for _, k := range []resource.PropertyKey{"passwordWo", defaultsKey} {
		if _, ok := outs[k]; ok {
			t.Errorf("output %s present", k)
		}
	}
	if id := scramArgsOf(outs).id(); id != "connect|SCRAM-SHA-512" {
		t.Errorf("id %q", id)
	}
}

func TestScramImportIDOfAnotherShapeFailsLikeUpstream(t *testing.T) {
	p := bridged{newProvider()}
	_, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Id: "connect", Urn: conformance.URN(scramToken, "cred"),
		Type: scramToken, Properties: conformance.Struct(t, resource.PropertyMap{})})
	want := "failed importing resource; expected format is username|scram_mechanism (for write-only passwords) or " +
		"username|scram_mechanism|password (legacy) - got 1 segments instead of 2 or 3"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("import of id connect: %v", err)
	}
}

func TestScramDiffReportsAnUpdateNotAReplaceForThePassword(t *testing.T) {
	p := bridged{newProvider()}
	olds := resource.PropertyMap{"username": resource.NewStringProperty("connect"),
		"scramMechanism": resource.NewStringProperty("SCRAM-SHA-512"), "scramIterations": resource.NewNumberProperty(4096),
		"password": resource.MakeSecret(resource.NewStringProperty("old"))}
	news := resource.PropertyMap{"username": resource.NewStringProperty("connect"),
		"scramMechanism": resource.NewStringProperty("SCRAM-SHA-512"), "password": resource.MakeSecret(resource.NewStringProperty("new"))}
	resp, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Id: "connect|SCRAM-SHA-512", Urn: conformance.URN(scramToken, "cred"),
		Type: scramToken, Olds: conformance.Struct(t, olds), OldInputs: conformance.Struct(t, olds), News: conformance.Struct(t, news)})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetReplaces()) != 0 || resp.GetDetailedDiff()["password"].GetKind() != pulumirpc.PropertyDiff_UPDATE {
		t.Errorf("diff %v", resp)
	}
}
