// Command pulumi-resource-docker is the lakehouse's stand-in for the pulumi-docker provider.
//
// The reachable Go module proxy serves neither github.com/pulumi/pulumi-docker/provider/v4 nor the
// kreuzwerker Terraform provider it bridges, so this plugin talks to the Docker Engine API itself
// (unix socket or plain tcp, API 1.41) and implements, under @pulumi/docker 4.11.2's tokens and
// property names, the resources this project uses:
//
//   - docker:index/network:Network
//   - docker:index/volume:Volume
//   - docker:index/remoteImage:RemoteImage  a local image by name (never pulls: offline)
//   - docker:index/container:Container
//
// They behave as upstream does (kreuzwerker/terraform-provider-docker v3.9.0 behind
// pulumi-terraform-bridge v3.125.0): schema.go holds upstream's schema, bridge.go the bridge's Check
// and Diff, and each resource's Read reports the live object the way upstream's Read does.
// standins/providers/conformance/docker.json records each behaviour with its upstream source; the
// tests in this folder check the plugin against it and against a real Docker daemon.
package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

var version = "4.11.2"

var client *dockerClient

func main() { lhp.Main(newProvider()) }

func newProvider() *lhp.Provider {
	return &lhp.Provider{
		Name:    "docker",
		Version: version,
		Resources: map[string]lhp.Resource{
			"docker:index/network:Network":         network{},
			"docker:index/volume:Volume":           volume{},
			"docker:index/remoteImage:RemoteImage": remoteImage{},
			"docker:index/container:Container":     container{},
		},
		OnConfigure: func(cfg map[string]any) error {
			host, _ := cfg["host"].(string)
			c, err := newClient(host)
			client = c
			return err
		},
	}
}

func docker() *dockerClient {
	if client == nil {
		c, err := newClient("")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		client = c
	}
	return client
}

func labelMap(a lhp.Args) map[string]string {
	out := map[string]string{}
	for _, l := range a.Objects("labels") {
		out[l.Str("label", "")] = l.Str("value", "")
	}
	return out
}

// labelSet is upstream's mapToLabelSet: Docker's label map as a set of {label, value}.
func labelSet(m map[string]string) []any {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := []any{}
	for _, k := range keys {
		out = append(out, map[string]any{"label": k, "value": m[k]})
	}
	return out
}

// untilDone retries f every second for up to timeout while it reports pending.
func untilDone(ctx context.Context, timeout time.Duration, f func() (done bool, err error)) error {
	deadline := time.Now().Add(timeout)
	for {
		done, err := f()
		if done || err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timeout while waiting (%s)", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func stringsOf(v []string) []any {
	out := []any{}
	for _, s := range v {
		out = append(out, s)
	}
	return out
}

func stringMap(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}
