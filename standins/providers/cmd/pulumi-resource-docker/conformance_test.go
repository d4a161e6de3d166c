package main

// Offline conformance: Check and Diff, driven by the rows of conformance/docker.json.

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

func TestConformanceCheck(t *testing.T) {
	c := loadConformance(t)
	p := newProvider()
	for typ, res := range c.Resources {
		t.Run(typ, func(t *testing.T) {
			checked, failures := checkVia(t, p, typ, nil, props(res.Base))
			if len(failures) > 0 {
				t.Fatalf("the base inputs fail Check: %v", failures)
			}
			if res.Autoname {
				named, _ := checkVia(t, p, typ, nil, props(with(res.Base, "name", nil)))
				if n := named["name"]; !n.IsString() || !strings.HasPrefix(n.StringValue(), testName+"-") || len(n.StringValue()) != len(testName)+8 {
					t.Errorf("an unset name is autonamed <resource name>-<7 hex>, got %v", n)
				}
			}
			for prop, row := range res.Properties {
				key := resource.PropertyKey(prop)
				if row.Default != nil {
					if _, set := res.Base[prop]; !set && !plainEqual(checked[key].Mappable(), row.Default) {
						t.Errorf("%s: Check fills in the default %v, got %v", prop, row.Default, checked[key])
					}
				}
				_, failures := checkVia(t, p, typ, nil, props(with(res.Base, prop, row.Sample)))
				if len(failures) > 0 {
					t.Errorf("%s: the sample %v fails Check: %v", prop, row.Sample, failures)
				}
				// Nested defaults: the sample with those fields left out.
				bare := resource.NewPropertyValue(row.Sample).Mappable()
				for _, obj := range objectsOf(bare) {
					for field := range row.NestedDefaults {
						delete(obj, field)
					}
				}
				defaulted, _ := checkVia(t, p, typ, nil, props(with(res.Base, prop, bare)))
				for field, want := range row.NestedDefaults {
					for _, obj := range objectsOf(defaulted[key].Mappable()) {
						if !plainEqual(obj[field], want) {
							t.Errorf("%s: Check fills in %s=%v in every element, got %v", prop, field, want, obj)
						}
					}
				}
				for _, v := range row.Validation {
					news := with(res.Base, prop, v.Value)
					if v.Unset {
						news = with(res.Base, prop, nil)
					}
					_, failures := checkVia(t, p, typ, nil, props(news))
					if !anyReason(failures, v.Reason) {
						t.Errorf("%s=%v: Check reports %q, got %v", prop, v.Value, v.Reason, failures)
					}
					if !v.Unset && !strings.HasPrefix(v.Reason, "Missing") && !anyReason(failures, "Examine values at '"+testName+"."+prop) {
						t.Errorf("%s=%v: the failure names the value's path, got %v", prop, v.Value, failures)
					}
				}
			}
		})
	}
}

func anyReason(failures []*pulumirpc.CheckFailure, want string) bool {
	for _, f := range failures {
		if strings.Contains(f.GetReason(), want) {
			return true
		}
	}
	return false
}

func objectsOf(v any) []map[string]any {
	switch x := v.(type) {
	case map[string]any:
		return []map[string]any{x}
	case []any:
		var out []map[string]any
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

func TestConformanceDiff(t *testing.T) {
	c := loadConformance(t)
	p := newProvider()
	for typ, res := range c.Resources {
		for prop, row := range res.Properties {
			t.Run(typ+"/"+prop, func(t *testing.T) {
				if row.Change != "replace" && row.Change != "update" {
					t.Fatalf("change must be replace or update, is %q", row.Change)
				}
				// The state upstream records from the sample (Read reports it back unchanged).
				inputs, _ := checkVia(t, p, typ, nil, props(with(res.Base, prop, row.Sample)))
				state := stripDefaults(inputs)
				diff := func(value any) *pulumirpc.DiffResponse {
					news, _ := checkVia(t, p, typ, inputs, props(with(res.Base, prop, value)))
					return diffVia(t, p, typ, inputs, state, news)
				}
				if d := diff(row.Sample); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
					t.Errorf("the same value shows a diff: %v", d.GetDiffs())
				}
				d := diff(row.Changed)
				if !contains(d.GetDiffs(), prop) {
					t.Fatalf("%v -> %v shows no diff of %s: %v", row.Sample, row.Changed, prop, d.GetDiffs())
				}
				if replaced := contains(d.GetReplaces(), prop); replaced != (row.Change == "replace") {
					t.Errorf("upstream: a change %ss; the stand-in replaces=%v (replaces %v)", row.Change, replaced, d.GetReplaces())
				}
				for _, eq := range row.Equivalents {
					if d := diff(eq); contains(d.GetDiffs(), prop) {
						t.Errorf("%v shows a diff against the state of %v", eq, row.Sample)
					}
				}
				for _, ne := range row.NotEquivalent {
					if d := diff(ne); !contains(d.GetDiffs(), prop) {
						t.Errorf("%v shows no diff against the state of %v", ne, row.Sample)
					}
				}
				if _, inBase := res.Base[prop]; !inBase {
					unsetDiffers := contains(diff(nil).GetDiffs(), prop)
					wantDiff := !row.UnsetKeepsState && !zeroOrDefault(row.Sample, row.Default)
					if unsetDiffers != wantDiff {
						t.Errorf("unset against a state of %v: upstream shows a diff=%v, the stand-in %v", row.Sample, wantDiff, unsetDiffers)
					}
				}
			})
		}
	}
}

func zeroOrDefault(v, def any) bool {
	if def != nil {
		return plainEqual(v, def)
	}
	switch x := v.(type) {
	case bool:
		return !x
	case float64:
		return x == 0
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return v == nil
}

func TestConformanceDeleteBeforeReplace(t *testing.T) {
	c := loadConformance(t)
	p := newProvider()
	for typ, res := range c.Resources {
		t.Run(typ, func(t *testing.T) {
			// Replace through a ForceNew property other than name, once with the name given, once autonamed.
			var prop string
			var row propertyRow
			for _, k := range sortedRows(res.Properties) {
				if r := res.Properties[k]; r.Change == "replace" && k != "name" {
					prop, row = k, r
					break
				}
			}
			if prop == "" {
				prop, row = "name", res.Properties["name"]
			}
			for _, named := range []bool{true, false} {
				base := res.Base
				if !named {
					if !res.Autoname {
						continue
					}
					base = with(base, "name", nil)
				}
				olds, _ := checkVia(t, p, typ, nil, props(with(base, prop, row.Sample)))
				news, _ := checkVia(t, p, typ, olds, props(with(base, prop, row.Changed)))
				d := diffVia(t, p, typ, olds, stripDefaults(olds), news)
				if !contains(d.GetReplaces(), prop) {
					t.Fatalf("changing %s does not replace: %v", prop, d.GetReplaces())
				}
				want := res.DeleteBeforeReplace == "always" || res.DeleteBeforeReplace == "when name is given" && named
				if d.GetDeleteBeforeReplace() != want {
					t.Errorf("name given=%v: upstream deleteBeforeReplace=%v (%s), the stand-in %v", named, want, res.DeleteBeforeReplace, d.GetDeleteBeforeReplace())
				}
			}
		})
	}
}

func sortedRows(m map[string]propertyRow) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// A state recorded by the stand-in before it followed upstream's state (its old inputs, without
// the defaults and read-back values) must not turn into a diff after the plugin is upgraded.
func TestStateOfTheEarlierStandInShowsNoDiff(t *testing.T) {
	p := newProvider()
	typ := "docker:index/container:Container"
	old := props(map[string]any{
		"name": "lakehouse-dev-db-postgres", "hostname": "postgres", "image": "pulumi-lakehouse/postgres:15",
		"envs":    []any{"POSTGRES_DB=customer_db", "POSTGRES_USER=postgres"},
		"command": []any{"postgres", "-c", "wal_level=logical"},
		"labels":  []any{map[string]any{"label": "lakehouse.role", "value": "postgres"}},
		"ports":   []any{map[string]any{"internal": 5432, "external": 5432, "ip": "127.0.0.1", "protocol": "tcp"}},
		"volumes": []any{map[string]any{"volumeName": "lakehouse-dev-db-postgres-data", "containerPath": "/var/lib/postgresql/data"}},
		"uploads": []any{map[string]any{"file": "/docker-entrypoint-initdb.d/init.sql", "content": "select 1;"}},
		"restart": "unless-stopped", "wait": true, "waitTimeout": 180, "mustRun": true,
		"networksAdvanced": []any{map[string]any{"name": "lakehouse-dev", "aliases": []any{"postgres"}}},
		"healthcheck": map[string]any{"tests": []any{"CMD-SHELL", "pg_isready"}, "interval": "5s", "timeout": "10s",
			"retries": 30, "startPeriod": "20s"},
	})
	state := lhp.Copy(old)
	state["networkDatas"] = resource.NewArrayProperty(nil)
	news, failures := checkVia(t, p, typ, old, old)
	if len(failures) > 0 {
		t.Fatal(failures)
	}
	if d := diffVia(t, p, typ, old, state, news); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("an unchanged program shows a diff against the earlier stand-in's state: %v", d.GetDiffs())
	}
}

// Every behaviour the table lists names a test of this package that exists.
func TestConformanceBehavioursArePinned(t *testing.T) {
	c := loadConformance(t)
	files, _ := filepath.Glob("*_test.go")
	tests := map[string]bool{}
	for _, f := range files {
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for name, obj := range parsed.Scope.Objects {
			if obj.Kind.String() == "func" && strings.HasPrefix(name, "Test") {
				tests[name] = true
			}
		}
	}
	for _, b := range c.Behaviours {
		if !tests[b.Test] {
			t.Errorf("behaviour %q names test %s, which does not exist", b.Behaviour, b.Test)
		}
	}
}

// A container the earlier stand-in made runs on its first network (NetworkMode = its name); it reads
// as bridge while the program's networksAdvanced name that network, so the upgrade replaces nothing.
func TestContainerOfTheEarlierStandInReadsNetworkModeBridge(t *testing.T) {
	info := &containerInfo{}
	info.HostConfig.NetworkMode = "lakehouse-dev"
	nets := resource.NewPropertyValue([]any{map[string]any{"name": "lakehouse-dev", "aliases": []any{"pg"}}})
	for _, c := range []struct {
		state resource.PropertyMap
		want  string
	}{
		{resource.PropertyMap{"networksAdvanced": nets}, "bridge"},
		{resource.PropertyMap{"networksAdvanced": nets, "networkMode": resource.NewStringProperty("bridge")}, "bridge"},
		// Set by the program: reported as it is.
		{resource.PropertyMap{"networksAdvanced": nets, "networkMode": resource.NewStringProperty("lakehouse-dev")}, "lakehouse-dev"},
		{resource.PropertyMap{}, "lakehouse-dev"},
	} {
		if got := readContainer(info, c.state)["networkMode"].StringValue(); got != c.want {
			t.Errorf("state %v: networkMode reads %q, want %q", c.state, got, c.want)
		}
	}
}
