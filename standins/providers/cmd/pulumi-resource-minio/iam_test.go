package main

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/conformance"
	"lakehouse.local/toolchain/providers/internal/lhp"
)

func createAs(t *testing.T, p *lhp.Provider, token string, news map[string]any) (string, resource.PropertyMap, resource.PropertyMap) {
	t.Helper()
	in, failures := conformance.Check(t, p, token, "r", nil, conformance.Props(news))
	if len(failures) > 0 {
		t.Fatalf("check: %v", failures)
	}
	resp, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: conformance.URN(token, "r"),
		Type: token, Properties: conformance.Struct(t, in)})
	if err != nil {
		t.Fatalf("create %s: %v", token, err)
	}
	return resp.GetId(), in, conformance.Unstruct(t, resp.GetProperties())
}

func readAs(t *testing.T, p *lhp.Provider, token, id string, state, inputs resource.PropertyMap) bool {
	t.Helper()
	resp, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Id: id, Urn: conformance.URN(token, "r"),
		Type: token, Properties: conformance.Struct(t, state), Inputs: conformance.Struct(t, inputs)})
	if err != nil {
		t.Fatalf("read %s: %v", token, err)
	}
	return resp.GetId() != ""
}

func deleteAs(t *testing.T, p *lhp.Provider, token, id string, state resource.PropertyMap) {
	t.Helper()
	if _, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{Id: id, Urn: conformance.URN(token, "r"),
		Type: token, Properties: conformance.Struct(t, state)}); err != nil {
		t.Fatalf("delete %s: %v", token, err)
	}
}

func TestIamInputsAreCheckedLikeUpstream(t *testing.T) {
	p := newProvider()
	for _, c := range []struct {
		token, prop string
		news        map[string]any
	}{
		{iamUserToken, "name", map[string]any{"name": "has space"}},
		{iamUserToken, "name", map[string]any{}},
		{iamPolicyToken, "policy", map[string]any{"policy": "[1]"}},
		{iamPolicyToken, "policy", map[string]any{"policy": "{not json"}},
		{iamPolicyToken, "name", map[string]any{"policy": "{}", "name": "a", "namePrefix": "b"}},
		{iamPolicyToken, "name", map[string]any{"policy": "{}", "name": "bad name!"}},
		{iamAttachmentToken, "userName", map[string]any{"policyName": "p"}},
	} {
		_, failures := conformance.Check(t, p, c.token, "r", nil, conformance.Props(c.news))
		found := false
		for _, f := range failures {
			found = found || f.GetProperty() == c.prop
		}
		if !found {
			t.Errorf("%s %v: want a failure on %s, got %v", c.token, c.news, c.prop, failures)
		}
	}
}

func TestIamDiffReplacesAndUpdatesLikeUpstream(t *testing.T) {
	u := iamUser{}
	r, up := u.Diff(nil, conformance.Props(map[string]any{"name": "a", "secret": "x"}), conformance.Props(map[string]any{"name": "b", "secret": "y"}))
	if strings.Join(r, ",") != "name" || strings.Join(up, ",") != "secret" {
		t.Errorf("user diff: replaces %v updates %v", r, up)
	}
	// secret left out keeps the generated one.
	if r, up := u.Diff(nil, conformance.Props(map[string]any{"name": "a", "secret": "x"}), conformance.Props(map[string]any{"name": "a"})); len(r)+len(up) != 0 {
		t.Errorf("user diff without secret: %v %v", r, up)
	}
	pol := iamPolicy{}
	if r, up := pol.Diff(nil, conformance.Props(map[string]any{"name": "p", "policy": `{"Statement":[{"Action":["s3:GetObject"]}]}`}),
		conformance.Props(map[string]any{"name": "p", "policy": `{ "Statement": [ {"Action": "s3:GetObject"} ] }`})); len(r)+len(up) != 0 {
		t.Errorf("equivalent policy plans %v %v", r, up)
	}
	if r, up := pol.Diff(nil, conformance.Props(map[string]any{"name": "p", "policy": `{}`}), conformance.Props(map[string]any{"name": "q", "policy": `{"a":1}`})); strings.Join(r, ",") != "name" || strings.Join(up, ",") != "policy" {
		t.Errorf("policy diff: %v %v", r, up)
	}
	if r, _ := (iamAttachment{}).Diff(nil, conformance.Props(map[string]any{"userName": "u", "policyName": "p"}), conformance.Props(map[string]any{"userName": "u", "policyName": "q"})); strings.Join(r, ",") != "policyName" {
		t.Errorf("attachment diff: %v", r)
	}
}

func TestLiveUserWithPolicyReachesOnlyItsBucket(t *testing.T) {
	p := liveProvider(t, server.endpoint, rootPassword)
	allowed, other := bucketName(t), bucketName(t)
	for _, b := range []string{allowed, other} {
		id, _, out, err := create(t, p, map[string]any{"bucket": b, "forceDestroy": true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = deleteBucket(t, p, id, out) })
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::` + allowed + `","arn:aws:s3:::` + allowed + `/*"]}]}`
	polID, polIn, polOut := createAs(t, p, iamPolicyToken, map[string]any{"namePrefix": "lh-", "policy": doc})
	if !strings.HasPrefix(polID, "lh-") || str(polOut, "name") != polID {
		t.Fatalf("policy id %q name %q", polID, str(polOut, "name"))
	}
	if !readAs(t, p, iamPolicyToken, polID, polOut, polIn) {
		t.Fatal("policy not read back")
	}
	userName := "user-" + allowed
	userName = strings.ReplaceAll(userName, ".", "-")
	uID, uIn, uOut := createAs(t, p, iamUserToken, map[string]any{"name": userName})
	sec := uOut["secret"]
	if !sec.IsSecret() || len(sec.SecretValue().Element.StringValue()) != 40 {
		t.Fatalf("secret output must be a generated 40-character Pulumi secret, got secret=%v", sec.IsSecret())
	}
	if str(uOut, "status") != "enabled" {
		t.Fatalf("status %q", str(uOut, "status"))
	}
	aID, aIn, aOut := createAs(t, p, iamAttachmentToken, map[string]any{"userName": uID, "policyName": polID})
	if !readAs(t, p, iamAttachmentToken, aID, aOut, aIn) {
		t.Fatal("attachment not read back")
	}

	saved := cfg
	cfg.user, cfg.password = uID, sec.SecretValue().Element.StringValue()
	_, errAllowed := s3(context.Background(), "PUT", "/"+allowed+"/k", nil, []byte("x"), nil)
	_, errOther := s3(context.Background(), "PUT", "/"+other+"/k", nil, []byte("x"), nil)
	cfg = saved
	if errAllowed != nil {
		t.Errorf("write to the granted bucket: %v", errAllowed)
	}
	if code(errOther) != "AccessDenied" {
		t.Errorf("write outside the grant: want AccessDenied, got %v", errOther)
	}

	deleteAs(t, p, iamAttachmentToken, aID, aOut)
	if readAs(t, p, iamAttachmentToken, aID, aOut, aIn) {
		t.Error("detached policy still read as attached")
	}
	deleteAs(t, p, iamUserToken, uID, uOut)
	if readAs(t, p, iamUserToken, uID, uOut, uIn) {
		t.Error("deleted user still read")
	}
	deleteAs(t, p, iamPolicyToken, polID, polOut)
	if readAs(t, p, iamPolicyToken, polID, polOut, polIn) {
		t.Error("deleted policy still read")
	}
}

func TestPoliciesAreComparedAsSetsAsMinIOReordersThem(t *testing.T) {
	ours := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::a/*","arn:aws:s3:::b/*"]}]}`
	minio := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:DeleteObject","s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::b/*","arn:aws:s3:::a/*"]}]}`
	if !equivalentPolicies(ours, minio) {
		t.Fatal("the same actions and resources in another order must be equivalent")
	}
	other := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::a/*","arn:aws:s3:::b/*"]}]}`
	if equivalentPolicies(ours, other) {
		t.Fatal("a missing action must not be equivalent")
	}
}
