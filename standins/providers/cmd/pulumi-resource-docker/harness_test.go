package main

// Test harness: the provider driven through its gRPC methods (the same lhp.Provider the engine talks
// to), and the conformance table loaded from standins/providers/conformance/docker.json.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

type conformance struct {
	Resources map[string]struct {
		DeleteBeforeReplace string
		Autoname            bool
		Base                map[string]any
		Properties          map[string]propertyRow
	}
	Behaviours []struct{ Resource, Behaviour, Source, Test string }
}

type propertyRow struct {
	Change          string
	AppliedBy       string
	Computed        bool
	Default         any
	ReadBack        string
	UnsetKeepsState bool
	Sample, Changed any
	Equivalents     []any
	NotEquivalent   []any
	NestedDefaults  map[string]any
	Normalise       []struct{ Input, Read any }
	Validation      []struct {
		Value  any
		Unset  bool
		Reason string
	}
	CreateError *struct {
		Value  any
		Reason string
	}
	LiveUpdate *struct{ Set, Read map[string]any }
	Source     string
}

func loadConformance(t *testing.T) conformance {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "conformance", "docker.json"))
	if err != nil {
		t.Fatalf("reading the conformance table: %v", err)
	}
	var c conformance
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("parsing the conformance table: %v", err)
	}
	if len(c.Resources) == 0 {
		t.Fatal("the conformance table lists no resources")
	}
	return c
}

const testName = "conf"

func urn(typ string) string { return "urn:pulumi:test::conformance::" + typ + "::" + testName }

func toStruct(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	if m == nil {
		return nil
	}
	s, err := plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fromStruct(t *testing.T, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	m, err := plugin.UnmarshalProperties(s, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func props(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

// with returns base with key set to value (nil: key removed).
func with(base map[string]any, key string, value any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	if value == nil {
		delete(out, key)
	} else {
		out[key] = value
	}
	return out
}

func checkVia(t *testing.T, p *lhp.Provider, typ string, olds, news resource.PropertyMap) (resource.PropertyMap, []*pulumirpc.CheckFailure) {
	t.Helper()
	res, err := p.Check(context.Background(), &pulumirpc.CheckRequest{
		Urn: urn(typ), Type: typ, Name: testName, Olds: toStruct(t, olds), News: toStruct(t, news),
		RandomSeed: []byte("0123456789abcdef"),
	})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return fromStruct(t, res.GetInputs()), res.GetFailures()
}

func diffVia(t *testing.T, p *lhp.Provider, typ string, oldInputs, olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	t.Helper()
	res, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{
		Urn: urn(typ), Type: typ, Id: "id", OldInputs: toStruct(t, oldInputs), Olds: toStruct(t, olds), News: toStruct(t, news),
	})
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return res
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// plainEqual compares two values through JSON, so numbers compare whatever their Go type.
func plainEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	var x, y any
	_ = json.Unmarshal(ja, &x)
	_ = json.Unmarshal(jb, &y)
	return reflect.DeepEqual(x, y)
}

func stripDefaults(m resource.PropertyMap) resource.PropertyMap {
	out := lhp.Copy(m)
	delete(out, defaultsKey)
	return out
}
