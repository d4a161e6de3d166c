// Package conformance loads the upstream property tables in standins/providers/conformance/*.json and
// runs their check and diff cases against a stand-in provider through its gRPC methods, the way the
// engine calls them (Check, then Diff with the state, the old inputs and the checked new inputs).
package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// Table is one provider's file.
type Table struct {
	Provider  string              `json:"provider"`
	Package   string              `json:"package"`
	Upstream  []Source            `json:"upstream"`
	Resources map[string]Resource `json:"resources"`
}

// Source is an upstream repository and the files read in it.
type Source struct {
	Repo  string   `json:"repo"`
	Ref   string   `json:"ref"`
	Files []string `json:"files"`
}

// Resource is one resource type's table.
type Resource struct {
	Library struct {
		File   string   `json:"file"`
		Inputs []string `json:"inputs"`
	} `json:"library"`
	Properties map[string]map[string]string `json:"properties"`
	CheckCases []CheckCase                  `json:"checkCases"`
	DiffCases  []DiffCase                   `json:"diffCases"`
}

// CheckCase: news (and olds, the previous inputs) through Check; failures are the properties that
// must fail; reasons, if given, the exact reason of a property's failure; inputs are values the
// checked inputs must hold ("re:" prefix: a regexp; null: absent).
type CheckCase struct {
	Name         string            `json:"name"`
	ResourceName string            `json:"resourceName"`
	Olds         map[string]any    `json:"olds"`
	News         map[string]any    `json:"news"`
	Failures     []string          `json:"failures"`
	Reasons      map[string]string `json:"reasons"`
	Inputs       map[string]any    `json:"inputs"`
}

// DiffCase: olds is the state (after create, or after a refresh), oldInputs the previous inputs
// (default: olds), news the program's new inputs; replaces/updates the expected property lists.
type DiffCase struct {
	Name                      string         `json:"name"`
	ResourceName              string         `json:"resourceName"`
	Olds                      map[string]any `json:"olds"`
	OldInputs                 map[string]any `json:"oldInputs"`
	News                      map[string]any `json:"news"`
	Replaces                  []string       `json:"replaces"`
	Updates                   []string       `json:"updates"`
	DeleteBeforeReplace       *bool          `json:"deleteBeforeReplace"`
	CanAlterReplicationFactor *bool          `json:"canAlterReplicationFactor"`
}

// Root is standins/providers: the directory of the first go.mod from the working directory up (`go test`
// runs a package's tests in its directory; not this file's source path, which -trimpath hides).
func Root() string {
	dir, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			panic("conformance: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Load reads conformance/<name>.json.
func Load(t *testing.T, name string) Table {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(Root(), "conformance", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var tab Table
	if err := json.Unmarshal(data, &tab); err != nil {
		t.Fatalf("%s.json: %v", name, err)
	}
	return tab
}

// ConfigureCases reads providerConfig.configureCases of conformance/<name>.json into C (each provider's own
// case shape) and fails the test when there is none.
func ConfigureCases[C any](t *testing.T, name string) []C {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(Root(), "conformance", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var tab struct {
		ProviderConfig struct {
			ConfigureCases []C `json:"configureCases"`
		} `json:"providerConfig"`
	}
	if err := json.Unmarshal(data, &tab); err != nil {
		t.Fatalf("%s.json: %v", name, err)
	}
	if len(tab.ProviderConfig.ConfigureCases) == 0 {
		t.Fatalf("%s.json has no providerConfig.configureCases", name)
	}
	return tab.ProviderConfig.ConfigureCases
}

// Props turns JSON values into properties: "<unknown>" is an unknown, {"<secret>": v} a secret.
func Props(m map[string]any) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		out[resource.PropertyKey(k)] = Value(v)
	}
	return out
}

// Value converts one JSON value.
func Value(v any) resource.PropertyValue {
	switch x := v.(type) {
	case nil:
		return resource.NewNullProperty()
	case string:
		if x == "<unknown>" {
			return resource.MakeComputed(resource.NewStringProperty(""))
		}
		return resource.NewStringProperty(x)
	case float64:
		return resource.NewNumberProperty(x)
	case bool:
		return resource.NewBoolProperty(x)
	case []any:
		arr := make([]resource.PropertyValue, 0, len(x))
		for _, e := range x {
			arr = append(arr, Value(e))
		}
		return resource.NewArrayProperty(arr)
	case map[string]any:
		if s, ok := x["<secret>"]; ok && len(x) == 1 {
			return resource.MakeSecret(Value(s))
		}
		return resource.NewObjectProperty(Props(x))
	}
	panic(fmt.Sprintf("unsupported JSON value %T", v))
}

var marshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true}

// Struct marshals properties for a gRPC request.
func Struct(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	if m == nil {
		return nil
	}
	s, err := plugin.MarshalProperties(m, marshalOpts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Unstruct unmarshals a gRPC response's properties.
func Unstruct(t *testing.T, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	m, err := plugin.UnmarshalProperties(s, marshalOpts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// URN of a test resource.
func URN(typ, name string) string {
	if name == "" {
		name = "res"
	}
	return fmt.Sprintf("urn:pulumi:test::lakehouse::%s::%s", typ, name)
}

var seed = []byte{0x5e, 0xed, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06}

// Check calls the provider's Check.
func Check(t *testing.T, p pulumirpc.ResourceProviderServer, typ, name string, olds, news resource.PropertyMap,
) (resource.PropertyMap, []*pulumirpc.CheckFailure) {
	t.Helper()
	resp, err := p.Check(context.Background(), &pulumirpc.CheckRequest{
		Urn: URN(typ, name), Type: typ, Name: name, Olds: Struct(t, olds), News: Struct(t, news), RandomSeed: seed,
	})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return Unstruct(t, resp.GetInputs()), resp.GetFailures()
}

// RunCheckCases runs a resource's check cases.
func RunCheckCases(t *testing.T, p pulumirpc.ResourceProviderServer, typ string, r Resource) {
	for _, c := range r.CheckCases {
		t.Run("check/"+c.Name, func(t *testing.T) {
			var olds resource.PropertyMap
			if c.Olds != nil {
				olds = Props(c.Olds)
			}
			inputs, failures := Check(t, p, typ, c.ResourceName, olds, Props(c.News))
			got := []string{}
			for _, f := range failures {
				got = append(got, f.GetProperty())
			}
			if !sameSet(got, c.Failures) {
				t.Errorf("failures on %v, want %v (%v)", got, c.Failures, failures)
			}
			for prop, want := range c.Reasons {
				var reasons []string
				for _, f := range failures {
					if f.GetProperty() == prop {
						reasons = append(reasons, f.GetReason())
					}
				}
				if !contains(reasons, want) {
					t.Errorf("failure reasons on %s %q, want %q", prop, reasons, want)
				}
			}
			for k, want := range c.Inputs {
				v, ok := inputs[resource.PropertyKey(k)]
				switch w := want.(type) {
				case nil:
					if ok && !v.IsNull() {
						t.Errorf("input %s = %v, want it absent", k, v)
					}
				case string:
					if re, isRe := strings.CutPrefix(w, "re:"); isRe {
						if !v.IsString() || !regexp.MustCompile(re).MatchString(v.StringValue()) {
							t.Errorf("input %s = %v, want it to match %s", k, v, re)
						}
						continue
					}
					if !v.DeepEquals(Value(want)) {
						t.Errorf("input %s = %v, want %v", k, v, want)
					}
				default:
					if !v.DeepEquals(Value(want)) {
						t.Errorf("input %s = %v, want %v", k, v, want)
					}
				}
			}
		})
	}
}

// RunDiffCases runs a resource's diff cases; before, if set, runs ahead of each case (e.g. to set
// what the cluster supports).
func RunDiffCases(t *testing.T, p pulumirpc.ResourceProviderServer, typ string, r Resource, before func(DiffCase)) {
	for _, c := range r.DiffCases {
		t.Run("diff/"+c.Name, func(t *testing.T) {
			if before != nil {
				before(c)
			}
			olds := Props(c.Olds)
			oldRaw := c.OldInputs
			if oldRaw == nil {
				oldRaw = c.Olds
			}
			// The previous inputs went through Check once, as the engine stored them; a case that
			// lists __defaults gives them as stored already.
			oldInputs := Props(oldRaw)
			if _, stored := oldRaw["__defaults"]; !stored {
				var failures []*pulumirpc.CheckFailure
				oldInputs, failures = Check(t, p, typ, c.ResourceName, nil, oldInputs)
				if len(failures) > 0 {
					t.Fatalf("old inputs fail check: %v", failures)
				}
			}
			if c.Olds == nil {
				olds = oldInputs
			}
			news, failures := Check(t, p, typ, c.ResourceName, oldInputs, Props(c.News))
			if len(failures) > 0 {
				t.Fatalf("new inputs fail check: %v", failures)
			}
			resp, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{
				Urn: URN(typ, c.ResourceName), Type: typ, Id: "id",
				Olds: Struct(t, olds), OldInputs: Struct(t, oldInputs), News: Struct(t, news),
			})
			if err != nil {
				t.Fatalf("Diff: %v", err)
			}
			replaces := resp.GetReplaces()
			var updates []string
			for _, k := range resp.GetDiffs() {
				if !contains(replaces, k) {
					updates = append(updates, k)
				}
			}
			if !sameSet(replaces, c.Replaces) {
				t.Errorf("replaces %v, want %v", replaces, c.Replaces)
			}
			if !sameSet(updates, c.Updates) {
				t.Errorf("updates %v, want %v", updates, c.Updates)
			}
			wantChanges := pulumirpc.DiffResponse_DIFF_NONE
			if len(c.Replaces)+len(c.Updates) > 0 {
				wantChanges = pulumirpc.DiffResponse_DIFF_SOME
			}
			if resp.GetChanges() != wantChanges {
				t.Errorf("changes %v, want %v", resp.GetChanges(), wantChanges)
			}
			if c.DeleteBeforeReplace != nil && resp.GetDeleteBeforeReplace() != *c.DeleteBeforeReplace {
				t.Errorf("deleteBeforeReplace %v, want %v", resp.GetDeleteBeforeReplace(), *c.DeleteBeforeReplace)
			}
		})
	}
}

// CheckLibraryInputs fails when the library file no longer sets an input the table lists, so the
// table follows what components/ really uses.
func CheckLibraryInputs(t *testing.T, r Resource) {
	t.Helper()
	var text strings.Builder
	for _, f := range strings.Fields(r.Library.File) {
		data, err := os.ReadFile(filepath.Join(Root(), "..", "..", f))
		if err != nil {
			t.Fatal(err)
		}
		text.Write(data)
	}
	for _, in := range r.Library.Inputs {
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(in) + `\s*[:,]`).MatchString(text.String()) {
			t.Errorf("%s does not set %s any more: update the table", r.Library.File, in)
		}
		if _, ok := r.Properties[in]; !ok {
			t.Errorf("the table has no row for the library's input %s", in)
		}
	}
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

func sameSet(a, b []string) bool {
	a, b = append([]string{}, a...), append([]string{}, b...)
	sort.Strings(a)
	sort.Strings(b)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
