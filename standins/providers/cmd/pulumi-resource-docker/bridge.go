package main

// What pulumi-terraform-bridge (v3.125.0, pinned by pulumi-docker 4.11.2) does around a Terraform
// resource, reduced to what these resources need:
//   - Check validates the inputs against the schema (required, validators) and returns them with
//     Terraform's defaults filled in and autonamed `name` (pkg/tfbridge/provider.go Check);
//   - Diff compares the new inputs with the old *state*, not the old inputs, the way a Terraform plan
//     does: an unset computed input keeps the state's value, an unset plain one means its zero value,
//     sets compare without order; a changed ForceNew property replaces, any other change updates;
//   - the state after Create is what upstream's Read reports, after Update it is the plan (upstream's
//     Update does not read back), after a refresh it is the live object.

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

const defaultsKey = resource.PropertyKey("__defaults")

// checkInputs validates news against sch and fills in defaults (and the autoname when autoname).
func checkInputs(sch schema, a lhp.CheckArgs, autoname bool) (resource.PropertyMap, []*pulumirpc.CheckFailure) {
	news := lhp.Copy(a.News)
	delete(news, defaultsKey)
	var defaulted []resource.PropertyValue
	if _, ok := news["name"]; autoname && (!ok || news["name"].IsNull()) {
		news = lhp.KeepOrAutoName(lhp.CheckArgs{Name: a.Name, Olds: a.Olds, News: news, Seed: a.Seed}, "name")
		defaulted = append(defaulted, resource.NewStringProperty("name"))
	}
	var failures []*pulumirpc.CheckFailure
	fail := func(path, reason string, missing bool) {
		if missing {
			reason = fmt.Sprintf("Missing required property '%s'", path)
		} else {
			reason = fmt.Sprintf("%s. Examine values at '%s.%s'.", reason, a.Name, path)
		}
		failures = append(failures, &pulumirpc.CheckFailure{Reason: reason})
	}
	validateObject(sch, news, "", fail)
	for _, k := range sortedKeys(sch) {
		at := sch[k]
		key := resource.PropertyKey(k)
		v, ok := news[key]
		if (!ok || v.IsNull()) && at.def != nil && !at.output {
			news[key] = resource.NewPropertyValue(at.def)
			defaulted = append(defaulted, resource.NewStringProperty(k))
			continue
		}
		if ok && at.fields != nil {
			news[key] = fillDefaults(at, v)
		}
	}
	news[defaultsKey] = resource.NewArrayProperty(defaulted)
	return news, failures
}

func validateObject(sch schema, m resource.PropertyMap, prefix string, fail func(path, reason string, missing bool)) {
	for _, k := range sortedKeys(sch) {
		at := sch[k]
		path := prefix + k
		v, ok := m[resource.PropertyKey(k)]
		if !ok || v.IsNull() {
			// An autonamed name is filled in before this.
			if at.required {
				fail(path, "", true)
			}
			continue
		}
		validateValue(at, v, path, fail)
	}
}

func validateValue(at *attr, v resource.PropertyValue, path string, fail func(path, reason string, missing bool)) {
	if v.IsSecret() {
		validateValue(at, v.SecretValue().Element, path, fail)
		return
	}
	if v.ContainsUnknowns() && !v.IsArray() && !v.IsObject() {
		return
	}
	if at.validate != nil {
		if reason := at.validate(lhp.Plain(v)); reason != "" {
			fail(path, reason, false)
		}
	}
	switch {
	case at.fields != nil && v.IsArray():
		for i, e := range v.ArrayValue() {
			if e.IsSecret() {
				e = e.SecretValue().Element
			}
			if e.IsObject() {
				validateObject(at.fields, e.ObjectValue(), fmt.Sprintf("%s[%d].", path, i), fail)
			}
		}
	case at.fields != nil && v.IsObject():
		validateObject(at.fields, v.ObjectValue(), path+".", fail)
	}
}

// fillDefaults fills nested defaults into the objects of a list/set/block value.
func fillDefaults(at *attr, v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return resource.MakeSecret(fillDefaults(at, v.SecretValue().Element))
	case v.IsArray():
		var out []resource.PropertyValue
		for _, e := range v.ArrayValue() {
			out = append(out, fillDefaults(at, e))
		}
		return resource.NewArrayProperty(out)
	case v.IsObject():
		m := lhp.Copy(v.ObjectValue())
		for k, f := range at.fields {
			key := resource.PropertyKey(k)
			if e, ok := m[key]; (!ok || e.IsNull()) && f.def != nil {
				m[key] = resource.NewPropertyValue(f.def)
			} else if ok && f.fields != nil {
				m[key] = fillDefaults(f, e)
			}
		}
		return resource.NewObjectProperty(m)
	}
	return v
}

func defaultedKeys(news resource.PropertyMap) map[string]bool {
	out := map[string]bool{}
	if d, ok := news[defaultsKey]; ok && d.IsArray() {
		for _, e := range d.ArrayValue() {
			if e.IsString() {
				out[e.StringValue()] = true
			}
		}
	}
	return out
}

// diffState returns the changed top-level inputs: those in replaces force a replacement.
func diffState(sch schema, oldInputs, olds, news resource.PropertyMap) (replaces, updates []string) {
	defaulted := defaultedKeys(news)
	mark := func(k string, at *attr) {
		if at == nil || at.forceNew {
			replaces = append(replaces, k)
		} else {
			updates = append(updates, k)
		}
	}
	for _, k := range sortedKeys(sch) {
		at := sch[k]
		if at.output {
			continue
		}
		key := resource.PropertyKey(k)
		n, set := news[key]
		set = set && !n.IsNull()
		o, known := olds[key]
		if !known {
			// A state written before this key was recorded (an older stand-in): the old input stands in.
			o, known = oldInputs[key]
		}
		switch {
		case set && n.ContainsUnknowns():
			mark(k, at)
		case !set && at.computed:
		case !known && (!set || defaulted[k]):
		case !equalAttr(at, n, o):
			mark(k, at)
		}
	}
	// Inputs outside the schema: any change replaces.
	for _, k := range lhp.ChangedKeys(oldInputs, news) {
		if _, ok := sch[k]; !ok {
			replaces = append(replaces, k)
		}
	}
	return replaces, updates
}

// planState is the state upstream records after an update: the inputs, plus the old state's value
// of every computed property the inputs leave unset.
func planState(sch schema, news, olds resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range news {
		if !strings.HasPrefix(string(k), "__") {
			out[k] = v
		}
	}
	for k, at := range sch {
		key := resource.PropertyKey(k)
		if n, ok := news[key]; (!ok || n.IsNull()) && at.computed {
			if o, ok := olds[key]; ok {
				out[key] = o
			}
		}
	}
	return out
}

// equalAttr compares a new input with a state value under the attribute's rules.
func equalAttr(at *attr, n, o resource.PropertyValue) bool {
	pn, po := lhp.Plain(n), lhp.Plain(o)
	if at.suppressEmpty {
		if s, _ := pn.(string); s == "" {
			return true
		}
	}
	switch at.kind {
	case kList, kSet:
		if at.fields != nil {
			return matchObjects(at.fields, asList(pn), asList(po), at.kind == kList && !at.unordered)
		}
		return canonical(at, pn) == canonical(at, po)
	case kBlock:
		ln, lo := asList(pn), asList(po)
		if len(ln) != len(lo) {
			return false
		}
		return len(ln) == 0 || objectEqual(at.fields, asMap(ln[0]), asMap(lo[0]))
	}
	return canonical(at, pn) == canonical(at, po)
}

// matchObjects pairs new and old elements (by position when ordered); a computed field the new
// element leaves unset matches any old value.
func matchObjects(fields schema, ns, os []any, ordered bool) bool {
	if len(ns) != len(os) {
		return false
	}
	used := make([]bool, len(os))
	for i, n := range ns {
		found := false
		for j, o := range os {
			if used[j] || ordered && i != j {
				continue
			}
			if objectEqual(fields, asMap(n), asMap(o)) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func objectEqual(fields schema, n, o map[string]any) bool {
	for k, f := range fields {
		nv := n[k]
		if f.computed && isZero(nv) {
			continue
		}
		if f.suppressEmpty && isZero(nv) {
			continue
		}
		switch {
		case f.fields != nil && (f.kind == kList || f.kind == kSet):
			if !matchObjects(f.fields, asList(nv), asList(o[k]), f.kind == kList) {
				return false
			}
		case f.kind == kBlock:
			ln, lo := asList(nv), asList(o[k])
			if len(ln) != len(lo) || len(ln) == 1 && !objectEqual(f.fields, asMap(ln[0]), asMap(lo[0])) {
				return false
			}
		default:
			if canonical(f, nv) != canonical(f, o[k]) {
				return false
			}
		}
	}
	return true
}

// canonical renders a plain value as the string Terraform would compare: unset is the default or
// the zero value, sets are sorted, a StateFunc applies.
func canonical(at *attr, v any) string {
	if v == nil && at.def != nil {
		v = at.def
	}
	switch at.kind {
	case kString:
		s, _ := v.(string)
		if at.stateFunc != nil {
			s = at.stateFunc(s)
		}
		return s
	case kInt:
		f, _ := v.(float64)
		return fmt.Sprint(f)
	case kBool:
		b, _ := v.(bool)
		return fmt.Sprint(b)
	case kList, kSet:
		var elems []string
		for _, e := range asList(v) {
			b, _ := json.Marshal(e)
			elems = append(elems, string(b))
		}
		if at.kind == kSet {
			sort.Strings(elems)
			elems = uniq(elems)
		}
		return "[" + strings.Join(elems, ",") + "]"
	case kMap:
		m := map[string]string{}
		for k, e := range asMap(v) {
			m[k] = fmt.Sprint(e)
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case float64:
		return x == 0
	case bool:
		return !x
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func asList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case map[string]any: // a block given as an object
		return []any{x}
	}
	return nil
}

func asMap(v any) map[string]any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

func uniq(sorted []string) []string {
	var out []string
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys(sch schema) []string {
	keys := make([]string, 0, len(sch))
	for k := range sch {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// withState overlays values read from Docker (plain Go values) on a state.
func withState(state resource.PropertyMap, read map[string]any) resource.PropertyMap {
	out := lhp.Copy(state)
	for k, v := range read {
		out[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
	}
	return out
}

// nameGivenByUser is the bridge's nameRequiresDeleteBeforeReplace: a `name` the program set (not
// an autoname) cannot exist twice, so a replacement deletes first.
func nameGivenByUser(news resource.PropertyMap) bool {
	if _, ok := news[defaultsKey]; !ok {
		return false
	}
	n, ok := news["name"]
	return ok && !n.IsNull() && !defaultedKeys(news)["name"]
}
