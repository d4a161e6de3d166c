// Command pulumi-resource-command is the lakehouse's stand-in for the pulumi-command provider
// (github.com/pulumi/pulumi-command, whose provider module the reachable Go module proxy does not serve).
// It implements command:local:Command and the command:local:run function with the same inputs and
// outputs as @pulumi/command 1.2.1 (provider/pkg/provider/local on pulumi-go-provider's infer; table:
// standins/providers/conformance/command.json): triggers replace, any other input change runs the
// update command (or create when there is none), delete runs on deletion with the state's inputs,
// addPreviousOutputInEnv passes the previous stdout/stderr, Read returns the state as it is, and a
// failing command's error carries the command and its whole output. Not implemented: remote (SSH)
// commands, assetPaths/archivePaths outputs, and the progress lines that `logging` controls (the
// stand-in logs nothing; the outputs are the same).
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

var version = "1.2.1"

func newProvider() *lhp.Provider {
	return &lhp.Provider{
		Name:      "command",
		Version:   version,
		Resources: map[string]lhp.Resource{"command:local:Command": localCommand{}},
		Invokes:   map[string]lhp.Invoke{"command:local:run": run},
	}
}

func main() { lhp.Main(newProvider()) }

type localCommand struct{}

// inputKinds are the inputs' types in upstream's CommandInputs (common.ResourceInputs + BaseInputs).
var inputKinds = map[string]string{
	"triggers": "array", "create": "string", "update": "string", "delete": "string",
	"stdin": "string", "logging": "string", "interpreter": "strings", "dir": "string",
	"environment": "stringMap", "assetPaths": "strings", "archivePaths": "strings", "addPreviousOutputInEnv": "bool",
}

// Check is infer's default Check: the inputs must decode into CommandInputs (types only: logging is
// an enum in the schema, but an unknown value is accepted and logs nothing); nothing is defaulted.
func (localCommand) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	return a.News, typeFailures(a.News), nil
}

func typeFailures(news resource.PropertyMap) []*pulumirpc.CheckFailure {
	var failures []*pulumirpc.CheckFailure
	keys := make([]string, 0, len(news))
	for k := range news {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := unsecret(news[resource.PropertyKey(k)])
		kind, ok := inputKinds[k]
		if !ok || v.IsNull() || v.ContainsUnknowns() {
			continue
		}
		if reason := kindMismatch(kind, v); reason != "" {
			failures = append(failures, &pulumirpc.CheckFailure{Property: k, Reason: reason})
		}
	}
	return failures
}

func unsecret(v resource.PropertyValue) resource.PropertyValue {
	if v.IsSecret() {
		return v.SecretValue().Element
	}
	return v
}

func kindMismatch(kind string, v resource.PropertyValue) string {
	switch kind {
	case "string":
		if !v.IsString() {
			return fmt.Sprintf("expected a string, got %s", v.TypeString())
		}
	case "bool":
		if !v.IsBool() {
			return fmt.Sprintf("expected a bool, got %s", v.TypeString())
		}
	case "array":
		if !v.IsArray() {
			return fmt.Sprintf("expected an array, got %s", v.TypeString())
		}
	case "strings":
		if !v.IsArray() {
			return fmt.Sprintf("expected an array of strings, got %s", v.TypeString())
		}
		for _, e := range v.ArrayValue() {
			if e = unsecret(e); !e.IsString() && !e.ContainsUnknowns() {
				return fmt.Sprintf("expected an array of strings, found %s", e.TypeString())
			}
		}
	case "stringMap":
		if !v.IsObject() {
			return fmt.Sprintf("expected a map of strings, got %s", v.TypeString())
		}
		for k, e := range v.ObjectValue() {
			if e = unsecret(e); !e.IsString() && !e.ContainsUnknowns() {
				return fmt.Sprintf("%s: expected a string, got %s", k, e.TypeString())
			}
		}
	}
	return ""
}

// Diff is infer's default Diff: old inputs against new ones; triggers (replaceOnChanges) replace,
// every other change is an update.
func (localCommand) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	var replaces, updates []string
	for _, k := range lhp.ChangedKeys(oldInputs, news) {
		switch {
		case k == "version":
		case k == "triggers":
			replaces = append(replaces, k)
		default:
			updates = append(updates, k)
		}
	}
	return replaces, updates
}

// runCommand is upstream's run(): the interpreter (default /bin/sh -c) with the command as last
// argument, in dir (default the provider's working directory), the provider's environment plus
// environment plus, unless addPreviousOutputInEnv is false, the previous non-empty stdout/stderr.
// stdout and stderr lose one trailing newline; a failure reports the command and all its output.
func runCommand(ctx context.Context, command string, in lhp.Args, prevStdout, prevStderr string) (string, string, error) {
	args := in.Strings("interpreter")
	if len(args) == 0 {
		args = []string{"/bin/sh", "-c"}
	}
	args = append(append([]string{}, args...), command)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stdout, stderr, both bytes.Buffer
	combined := &lockedWriter{w: &both}
	cmd.Stdout = io.MultiWriter(&stdout, combined)
	cmd.Stderr = io.MultiWriter(&stderr, combined)
	if dir, ok := in["dir"].(string); ok {
		cmd.Dir = dir
	} else {
		wd, err := os.Getwd()
		if err != nil {
			return "", "", err
		}
		cmd.Dir = wd
	}
	cmd.Env = os.Environ()
	env := in.StringMap("environment")
	envKeys := make([]string, 0, len(env))
	for k := range env {
		envKeys = append(envKeys, k)
	}
	sort.Strings(envKeys)
	for _, k := range envKeys {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	if in.Bool("addPreviousOutputInEnv", true) {
		if prevStdout != "" {
			cmd.Env = append(cmd.Env, "PULUMI_COMMAND_STDOUT="+prevStdout)
		}
		if prevStderr != "" {
			cmd.Env = append(cmd.Env, "PULUMI_COMMAND_STDERR="+prevStderr)
		}
	}
	if stdin := in.Str("stdin", ""); stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	if err := cmd.Run(); err != nil {
		return "", "", fmt.Errorf("%w: running %q:\n%s", err, command, both.String())
	}
	return strings.TrimSuffix(stdout.String(), "\n"), strings.TrimSuffix(stderr.String(), "\n"), nil
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func withOutputs(inputs resource.PropertyMap, stdout, stderr string) resource.PropertyMap {
	outs := lhp.Copy(inputs)
	outs["stdout"] = resource.NewStringProperty(stdout)
	outs["stderr"] = resource.NewStringProperty(stderr)
	return outs
}

func (localCommand) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	id := randomHex(8)
	var stdout, stderr string
	if script, ok := a["create"].(string); ok {
		var err error
		// On create there is no previous output to pass on.
		if stdout, stderr, err = runCommand(ctx, script, a, "", ""); err != nil {
			return "", nil, err
		}
	}
	return id, withOutputs(news, stdout, stderr), nil
}

// Update runs update, else create, with the previous outputs in the environment; with neither it
// only records the new inputs and keeps the outputs.
func (localCommand) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap,
) (resource.PropertyMap, error) {
	a, o := lhp.PlainMap(news), lhp.PlainMap(olds)
	stdout, stderr := o.Str("stdout", ""), o.Str("stderr", "")
	script, ok := a["update"].(string)
	if !ok {
		script, ok = a["create"].(string)
	}
	if ok {
		var err error
		if stdout, stderr, err = runCommand(ctx, script, a, stdout, stderr); err != nil {
			return nil, err
		}
	}
	return withOutputs(news, stdout, stderr), nil
}

// Read: upstream implements no Read, so infer returns the state and inputs unchanged.
func (localCommand) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	return state, true, nil
}

// Delete runs delete with the inputs and outputs recorded in the state.
func (localCommand) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	a := lhp.PlainMap(state)
	if script, ok := a["delete"].(string); ok {
		_, _, err := runCommand(ctx, script, a, a.Str("stdout", ""), a.Str("stderr", ""))
		return err
	}
	return nil
}

// run is command:local:run: the same run, every time it is called.
func run(ctx context.Context, args resource.PropertyMap) (resource.PropertyMap, error) {
	if failures := typeFailures(args); len(failures) > 0 {
		return nil, fmt.Errorf("invalid %s: %s", failures[0].Property, failures[0].Reason)
	}
	a := lhp.PlainMap(args)
	stdout, stderr, err := runCommand(ctx, a.Str("command", ""), a, "", "")
	if err != nil {
		return nil, err
	}
	return withOutputs(args, stdout, stderr), nil
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
