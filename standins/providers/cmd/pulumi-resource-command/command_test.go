package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/conformance"
	"lakehouse.local/toolchain/providers/internal/lhp"
)

const commandToken = "command:local:Command"

func TestCommandMatchesUpstreamTable(t *testing.T) {
	tab := conformance.Load(t, "command")
	r := tab.Resources[commandToken]
	conformance.CheckLibraryInputs(t, r)
	p := newProvider()
	conformance.RunCheckCases(t, p, commandToken, r)
	conformance.RunDiffCases(t, p, commandToken, r, nil)
}

func create(t *testing.T, p *lhp.Provider, news map[string]any) (string, resource.PropertyMap, resource.PropertyMap, error) {
	t.Helper()
	in, failures := conformance.Check(t, p, commandToken, "cmd", nil, conformance.Props(news))
	if len(failures) > 0 {
		t.Fatalf("check: %v", failures)
	}
	resp, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: conformance.URN(commandToken, "cmd"),
		Type: commandToken, Properties: conformance.Struct(t, in)})
	if err != nil {
		return "", in, nil, err
	}
	return resp.GetId(), in, conformance.Unstruct(t, resp.GetProperties()), nil
}

func update(t *testing.T, p *lhp.Provider, id string, olds, oldInputs resource.PropertyMap, news map[string]any) (resource.PropertyMap, error) {
	t.Helper()
	in, _ := conformance.Check(t, p, commandToken, "cmd", oldInputs, conformance.Props(news))
	resp, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{Id: id, Urn: conformance.URN(commandToken, "cmd"),
		Type: commandToken, Olds: conformance.Struct(t, olds), OldInputs: conformance.Struct(t, oldInputs), News: conformance.Struct(t, in)})
	if err != nil {
		return nil, err
	}
	return conformance.Unstruct(t, resp.GetProperties()), nil
}

func out(m resource.PropertyMap, k string) string {
	v := m[resource.PropertyKey(k)]
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return v.StringValue()
	}
	return "<" + v.TypeString() + ">"
}

func TestCreateCapturesStdoutAndStderrWithoutOneTrailingNewline(t *testing.T) {
	p := newProvider()
	_, _, outs, err := create(t, p, map[string]any{"create": `printf 'a\nb\n\n'; printf 'oops\n' >&2`})
	if err != nil {
		t.Fatal(err)
	}
	if out(outs, "stdout") != "a\nb\n" || out(outs, "stderr") != "oops" {
		t.Errorf("stdout %q stderr %q, want %q and %q", out(outs, "stdout"), out(outs, "stderr"), "a\nb\n", "oops")
	}
}

func TestCreateUsesStdinEnvironmentInterpreterAndDir(t *testing.T) {
	p := newProvider()
	dir := t.TempDir()
	_, _, outs, err := create(t, p, map[string]any{
		"create":      `read line; echo "$line $GREETING $(pwd)"; echo "prev=${PULUMI_COMMAND_STDOUT-unset}"`,
		"stdin":       map[string]any{"<secret>": "from-stdin\n"},
		"environment": map[string]any{"GREETING": map[string]any{"<secret>": "hello"}},
		"interpreter": []any{"/bin/bash", "-c"},
		"dir":         dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "from-stdin hello " + dir + "\nprev=unset"
	if out(outs, "stdout") != want {
		t.Errorf("stdout %q, want %q", out(outs, "stdout"), want)
	}
}

func TestTheDefaultDirIsTheProvidersWorkingDirectory(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	_, _, outs, err := create(t, newProvider(), map[string]any{"create": "pwd"})
	if err != nil {
		t.Fatal(err)
	}
	if out(outs, "stdout") != wd {
		t.Errorf("pwd %q, want the provider's %q", out(outs, "stdout"), wd)
	}
}

func TestUpdateRunsUpdateElseCreateWithThePreviousOutput(t *testing.T) {
	p := newProvider()
	id, in, outs, err := create(t, p, map[string]any{"create": "echo first", "triggers": []any{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	outs2, err := update(t, p, id, outs, in, map[string]any{"create": `echo "second after $PULUMI_COMMAND_STDOUT"`, "triggers": []any{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	if out(outs2, "stdout") != "second after first" {
		t.Errorf("create-as-update stdout %q, want %q", out(outs2, "stdout"), "second after first")
	}
	outs3, err := update(t, p, id, outs2, in, map[string]any{"create": "echo never", "update": `echo "update after $PULUMI_COMMAND_STDOUT"`})
	if err != nil {
		t.Fatal(err)
	}
	if out(outs3, "stdout") != "update after second after first" {
		t.Errorf("update stdout %q, want the update command with the previous stdout", out(outs3, "stdout"))
	}
	outs4, err := update(t, p, id, outs3, in, map[string]any{"update": `echo "${PULUMI_COMMAND_STDOUT-unset}"`, "addPreviousOutputInEnv": false})
	if err != nil {
		t.Fatal(err)
	}
	if out(outs4, "stdout") != "unset" {
		t.Errorf("addPreviousOutputInEnv=false: stdout %q, want unset", out(outs4, "stdout"))
	}
}

func TestUpdateWithNoCommandKeepsTheOutputs(t *testing.T) {
	p := newProvider()
	id, in, outs, err := create(t, p, map[string]any{"create": "echo kept", "delete": "true"})
	if err != nil {
		t.Fatal(err)
	}
	outs2, err := update(t, p, id, outs, in, map[string]any{"delete": "echo changed"})
	if err != nil {
		t.Fatal(err)
	}
	if out(outs2, "stdout") != "kept" || out(outs2, "delete") != "echo changed" {
		t.Errorf("stdout %q delete %q, want the old stdout and the new delete command", out(outs2, "stdout"), out(outs2, "delete"))
	}
}

func TestDeleteRunsWithTheStatesInputsAndOutputs(t *testing.T) {
	p := newProvider()
	marker := filepath.Join(t.TempDir(), "deleted")
	id, _, outs, err := create(t, p, map[string]any{
		"create":      "echo token-1",
		"delete":      `echo "$PULUMI_COMMAND_STDOUT $WHO" > "$MARKER"`,
		"environment": map[string]any{"WHO": "state", "MARKER": marker},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{Id: id, Urn: conformance.URN(commandToken, "cmd"),
		Type: commandToken, Properties: conformance.Struct(t, outs)}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(marker)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(data)) != "token-1 state" {
		t.Errorf("delete wrote %q, want the state's stdout and environment", data)
	}
}

func TestAFailingCommandReportsTheCommandAndAllItsOutput(t *testing.T) {
	_, _, _, err := create(t, newProvider(), map[string]any{"create": "echo to-stdout; echo to-stderr >&2; exit 3"})
	if err == nil {
		t.Fatal("a failing command succeeded")
	}
	for _, want := range []string{"exit status 3", `running "echo to-stdout; echo to-stderr >&2; exit 3"`, "to-stdout", "to-stderr"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestReadReturnsTheStateAsItIs(t *testing.T) {
	p := newProvider()
	id, in, outs, err := create(t, p, map[string]any{"create": "echo once"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Id: id, Urn: conformance.URN(commandToken, "cmd"),
		Type: commandToken, Properties: conformance.Struct(t, outs), Inputs: conformance.Struct(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetId() != id || !conformance.Unstruct(t, resp.GetProperties()).DeepEquals(outs) {
		t.Errorf("read %v, want id %s and the state unchanged", resp, id)
	}
}

func TestTheRunFunctionRunsEveryTime(t *testing.T) {
	p := newProvider()
	for i := 0; i < 2; i++ {
		resp, err := p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "command:local:run",
			Args: conformance.Struct(t, conformance.Props(map[string]any{"command": "echo ran"}))})
		if err != nil {
			t.Fatal(err)
		}
		if got := out(conformance.Unstruct(t, resp.GetReturn()), "stdout"); got != "ran" {
			t.Errorf("run %d stdout %q, want ran", i, got)
		}
	}
}
