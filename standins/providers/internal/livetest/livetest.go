// Package livetest starts the project's local service images for the stand-ins' live tests. A
// missing Docker daemon or image is an error (the tests fail), never a skip.
package livetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"lakehouse.local/toolchain/providers/internal/conformance"
)

// repoRoot is the repository's top directory, two up from standins/providers (conformance.Root: found
// from the working directory, since `make go-test` builds with -trimpath).
func repoRoot() string {
	return filepath.Join(conformance.Root(), "..", "..")
}

// LocalImage is pulumi-lakehouse/<service>:<localImages[key] of versions.json>, checked to exist locally.
func LocalImage(service, key string) (string, error) {
	data, err := os.ReadFile(filepath.Join(repoRoot(), "versions.json"))
	if err != nil {
		return "", err
	}
	var v struct {
		LocalImages map[string]any `json:"localImages"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return "", err
	}
	tag, ok := v.LocalImages[key].(string)
	if !ok {
		return "", fmt.Errorf("versions.json has no localImages.%s", key)
	}
	image := fmt.Sprintf("pulumi-lakehouse/%s:%s", service, tag)
	if _, err := Docker("image", "inspect", "--format", "{{.Id}}", image); err != nil {
		return "", fmt.Errorf("local image %s is missing (build it with `bash scripts/images.sh %s`): %w", image, service, err)
	}
	return image, nil
}

// Docker runs the docker CLI and returns its trimmed stdout.
func Docker(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	cmd := exec.Command("docker", args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// FreePort is a TCP port on 127.0.0.1 that nothing listens on right now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Suffix is a short unique suffix for container and network names.
func Suffix() string {
	return fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano()%100000)
}

// WaitHealthy waits until the container's healthcheck reports healthy, or fails with its last logs.
func WaitHealthy(name string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		status, err := Docker("inspect", "--format", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", name)
		if err != nil {
			return err
		}
		if strings.HasSuffix(status, " healthy") {
			return nil
		}
		if strings.HasPrefix(status, "exited") || strings.HasPrefix(status, "dead") || time.Now().After(deadline) {
			logs, _ := Docker("logs", "--tail", "30", name)
			return fmt.Errorf("container %s is %q after %s; last logs:\n%s", name, status, timeout, logs)
		}
		time.Sleep(time.Second)
	}
}
