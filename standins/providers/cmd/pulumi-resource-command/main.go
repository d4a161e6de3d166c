// Command pulumi-resource-command is the lakehouse's stand-in for the pulumi-command provider
// (github.com/pulumi/pulumi-command, whose provider module the reachable Go module proxy does not serve).
// It implements command:local:Command and the command:local:run function with the same inputs and
// outputs as @pulumi/command 1.2.1: create/update/delete commands run through an interpreter
// (default /bin/sh -c), with dir, environment, stdin, triggers (replace on change) and
// addPreviousOutputInEnv; stdout and stderr are outputs. Remote (SSH) commands and asset/archive
// outputs (assetPaths/archivePaths) are not implemented.
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

var version = "1.2.1"

func main() {
	lhp.Main(&lhp.Provider{
		Name:      "command",
		Version:   version,
		Resources: map[string]lhp.Resource{"command:local:Command": localCommand{}},
		Invokes:   map[string]lhp.Invoke{"command:local:run": run},
	})
}

type localCommand struct{}

func (localCommand) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	return a.News, nil, nil
}

// Diff: triggers force a replacement; any other input change runs the update (or create) command.
func (localCommand) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	var replaces, updates []string
	for _, k := range lhp.ChangedKeys(oldInputs, news) {
		if k == "triggers" {
			replaces = append(replaces, k)
		} else {
			updates = append(updates, k)
		}
	}
	return replaces, updates
}

func shell(ctx context.Context, a lhp.Args, script string, extraEnv []string) (string, string, error) {
	interp := a.Strings("interpreter")
	if len(interp) == 0 {
		interp = []string{"/bin/sh", "-c"}
	}
	args := append(append([]string{}, interp[1:]...), script)
	cmd := exec.CommandContext(ctx, interp[0], args...)
	cmd.Dir = a.Str("dir", "")
	cmd.Env = os.Environ()
	for k, v := range a.StringMap("environment") {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, extraEnv...)
	if stdin := a.Str("stdin", ""); stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := strings.TrimSuffix(stdout.String(), "\n")
	errOut := strings.TrimSuffix(stderr.String(), "\n")
	if err != nil {
		// Like the upstream provider, report the command's output in the error, but only stderr:
		// stdout may carry secrets that the program marked additionalSecretOutputs.
		return out, errOut, fmt.Errorf("%w: running %q:\n%s", err, firstLine(script), errOut)
	}
	return out, errOut, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

func withOutputs(inputs resource.PropertyMap, stdout, stderr string) resource.PropertyMap {
	outs := lhp.Copy(inputs)
	outs["stdout"] = resource.NewStringProperty(stdout)
	outs["stderr"] = resource.NewStringProperty(stderr)
	return outs
}

func (localCommand) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	id := fmt.Sprintf("%x", os.Getpid()) + randomID()
	var stdout, stderr string
	if script := a.Str("create", ""); script != "" {
		var err error
		stdout, stderr, err = shell(ctx, a, script, nil)
		if err != nil {
			return "", nil, err
		}
	}
	return id, withOutputs(news, stdout, stderr), nil
}

func previousEnv(a lhp.Args, olds lhp.Args) []string {
	if !a.Bool("addPreviousOutputInEnv", true) {
		return nil
	}
	return []string{"PULUMI_COMMAND_STDOUT=" + olds.Str("stdout", ""), "PULUMI_COMMAND_STDERR=" + olds.Str("stderr", "")}
}

func (localCommand) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap,
) (resource.PropertyMap, error) {
	a, o := lhp.PlainMap(news), lhp.PlainMap(olds)
	script := a.Str("update", a.Str("create", ""))
	stdout, stderr := o.Str("stdout", ""), o.Str("stderr", "")
	if script != "" {
		var err error
		stdout, stderr, err = shell(ctx, a, script, previousEnv(a, o))
		if err != nil {
			return nil, err
		}
	}
	return withOutputs(news, stdout, stderr), nil
}

func (localCommand) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	return state, true, nil
}

func (localCommand) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	a := lhp.PlainMap(state)
	if script := a.Str("delete", ""); script != "" {
		_, _, err := shell(ctx, a, script, previousEnv(a, a))
		return err
	}
	return nil
}

func run(ctx context.Context, args resource.PropertyMap) (resource.PropertyMap, error) {
	a := lhp.PlainMap(args)
	stdout, stderr, err := shell(ctx, a, a.Str("command", ""), nil)
	if err != nil {
		return nil, err
	}
	return withOutputs(args, stdout, stderr), nil
}

func randomID() string {
	b := make([]byte, 8)
	f, err := os.Open("/dev/urandom")
	if err == nil {
		_, _ = f.Read(b)
		_ = f.Close()
	}
	return fmt.Sprintf("%x", b)
}
