package main

// docker:index/container:Container, as upstream's docker_container
// (resource_docker_container_funcs.go): Create checks the image, refuses an empty command value,
// creates on the `networkMode` (default bridge) and moves the container to networksAdvanced, uploads
// files, starts, waits for health, then reads the container back. A container that exists but fails
// to start or turn healthy is left in place and recorded with an initialization error. Update applies
// restart policy and resource limits through `docker update` and records every other in-place change
// in the state only. Read reports the live container; one that is gone, or not running while mustRun
// is true, is dropped (and in the second case removed first). Delete stops, then removes.

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

// Upstream's errors (resource_docker_container_funcs.go).
var (
	errEmptyCommand      = errors.New("values for command may not be empty")
	errExitedImmediately = errors.New("container exited immediately")
	errNotHealthy        = errors.New("container failed to be in healthy state")
	errNoHealthcheck     = errors.New("you have supplied a 'wait' argument, but the container does not have a " +
		"healthcheck defined. Please remove the 'wait' argument or add a 'healthcheck' attribute")
)

// updatable: what upstream's resourceDockerContainerUpdate sends to `docker update`.
var updatable = []string{"restart", "maxRetryCount", "cpuShares", "memory", "memoryReservation", "cpuSet", "memorySwap"}

type container struct{}

func (container) DiffsAgainstState() {}

// DeleteBeforeReplace: pulumi-docker's resources.go sets DeleteBeforeReplace on docker_container.
func (container) DeleteBeforeReplace(olds, news resource.PropertyMap) bool { return true }

func (container) RefreshInputs(oldInputs, outs resource.PropertyMap) resource.PropertyMap {
	return lhp.BridgedInputs(oldInputs, outs)
}

func (container) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	news, failures := checkInputs(containerSchema, a, true)
	return news, failures, nil
}

func (container) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	return diffState(containerSchema, oldInputs, olds, news)
}

func (c container) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	planned := planState(containerSchema, news, nil)
	image := a.Str("image", "")
	if err := findLocalImage(ctx, image); err != nil {
		return "", nil, fmt.Errorf("Unable to create container with image %s: %w", image, err)
	}
	body, err := containerSpec(a)
	if err != nil {
		return "", nil, err
	}
	var res struct{ Id string }
	if err := docker().do(ctx, "POST", "/containers/create", url.Values{"name": {a.Str("name", "")}}, body, &res); err != nil {
		return "", nil, fmt.Errorf("Unable to create container: %w", err)
	}
	id := res.Id
	// From here on the container exists: a failure leaves it, recorded with an initialization error.
	partial := func(err error) (string, resource.PropertyMap, error) {
		reason := err.Error()
		if logs := logsTail(context.Background(), id); logs != "" {
			reason += "\nlast container logs:\n" + logs
		}
		return "", nil, &lhp.InitError{ID: id, State: planned, Reasons: []string{reason}}
	}
	if nets := a.Objects("networksAdvanced"); len(nets) > 0 {
		err := docker().do(ctx, "POST", "/networks/bridge/disconnect", nil, map[string]any{"Container": id}, nil)
		if err != nil && !strings.Contains(err.Error(), "is not connected to") {
			return partial(fmt.Errorf("Unable to disconnect the default network: %w", err))
		}
		for _, n := range nets {
			if err := docker().do(ctx, "POST", "/networks/"+url.PathEscape(n.Str("name", ""))+"/connect", nil,
				map[string]any{"Container": id, "EndpointConfig": endpoint(n)}, nil); err != nil {
				return partial(fmt.Errorf("Unable to connect to network '%s': %w", n.Str("name", ""), err))
			}
		}
	}
	if err := upload(ctx, id, a.Objects("uploads")); err != nil {
		return partial(err)
	}
	var created time.Time
	if a.Bool("start", true) {
		created = time.Now()
		if err := docker().do(ctx, "POST", "/containers/"+id+"/start", nil, nil, nil); err != nil {
			return partial(fmt.Errorf("Unable to start container: %w", err))
		}
		if a.Bool("wait", false) {
			if err := waitHealthy(ctx, id, time.Duration(a.Num("waitTimeout", 60))*time.Second); err != nil {
				return partial(err)
			}
		}
	}
	if a.Bool("attach", false) {
		if err := docker().do(ctx, "POST", "/containers/"+id+"/wait", url.Values{"condition": {"not-running"}}, nil, nil); err != nil {
			return partial(fmt.Errorf("Unable to wait container end of execution: %w", err))
		}
		if a.Bool("logs", false) {
			var raw []byte
			_ = docker().do(ctx, "GET", "/containers/"+id+"/logs", url.Values{"stdout": {"1"}, "stderr": {"1"}}, nil, &raw)
			planned["containerLogs"] = resource.NewStringProperty(demux(raw))
		}
	}
	return c.readAfterCreate(ctx, id, planned, created)
}

// readAfterCreate is upstream's Read right after Create: it waits up to
// containerReadRefreshTimeoutMilliseconds for the container to run; one that exited since it was
// started is removed and the creation fails.
func (c container) readAfterCreate(ctx context.Context, id string, planned resource.PropertyMap, created time.Time) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(planned)
	timeout := time.Duration(a.Num("containerReadRefreshTimeoutMilliseconds", 15000)) * time.Millisecond
	deadline := time.Now().Add(timeout)
	for {
		time.Sleep(100 * time.Millisecond)
		info, err := inspect(ctx, id)
		if err != nil {
			return "", nil, &lhp.InitError{ID: id, State: planned, Reasons: []string{err.Error()}}
		}
		if info.State.Running || !a.Bool("mustRun", true) {
			return id, readContainer(info, planned), nil
		}
		finished, _ := time.Parse(time.RFC3339Nano, info.State.FinishedAt)
		if created.IsZero() || finished.After(created) {
			logs := logsTail(context.Background(), id)
			if err := c.Delete(ctx, id, planned); err != nil {
				return "", nil, fmt.Errorf("container failed to be deleted: %w", err)
			}
			if logs != "" {
				return "", nil, fmt.Errorf("%w (exit code %d)\nlast container logs:\n%s", errExitedImmediately, info.State.ExitCode, logs)
			}
			return "", nil, fmt.Errorf("%w (exit code %d)", errExitedImmediately, info.State.ExitCode)
		}
		if time.Now().After(deadline) {
			return "", nil, &lhp.InitError{ID: id, State: planned, Reasons: []string{fmt.Sprintf(
				"timeout while waiting for state to become 'running' (last state: 'pending', timeout: %s)", timeout)}}
		}
	}
}

func waitHealthy(ctx context.Context, id string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		info, err := inspect(ctx, id)
		if err != nil {
			return fmt.Errorf("error inspecting container state: %w", err)
		}
		if info.State.Health == nil {
			return errNoHealthcheck
		}
		if info.State.Health.Status == "healthy" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w (health: %s, after %s)", errNotHealthy, info.State.Health.Status, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func upload(ctx context.Context, id string, uploads []lhp.Args) error {
	var files []tarFile
	for _, u := range uploads {
		content, b64, source := u.Str("content", ""), u.Str("contentBase64", ""), u.Str("source", "")
		set := 0
		for _, v := range []string{content, b64, source} {
			if v != "" {
				set++
			}
		}
		if set == 0 {
			return errors.New("error with upload content: one of 'content', 'content_base64', or 'source' must be set")
		}
		if set > 1 {
			return errors.New("error with upload content: only one of 'content', 'content_base64', or 'source' can be set")
		}
		data := []byte(content)
		if b64 != "" {
			data, _ = base64.StdEncoding.DecodeString(b64)
		}
		if source != "" {
			var err error
			if data, err = os.ReadFile(source); err != nil {
				return fmt.Errorf("could not read file: %w", err)
			}
		}
		mode := int64(0o644)
		if u.Bool("executable", false) {
			mode = 0o744
		}
		if p := u.Str("permissions", ""); p != "" {
			m, err := strconv.ParseInt(p, 8, 32)
			if err != nil {
				return fmt.Errorf("Error parsing permission: %w", err)
			}
			mode = m
		}
		files = append(files, tarFile{Path: u.Str("file", ""), Content: data, Mode: mode})
	}
	if len(files) == 0 {
		return nil
	}
	tarball, err := tarFiles(files)
	if err != nil {
		return err
	}
	if err := docker().do(ctx, "PUT", "/containers/"+id+"/archive", url.Values{"path": {"/"}}, tarball, nil); err != nil {
		return fmt.Errorf("Unable to upload volume content: %w", err)
	}
	return nil
}

func (container) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	planned := planState(containerSchema, news, olds)
	changed := false
	for _, k := range updatable {
		key := resource.PropertyKey(k)
		if !equalAttr(containerSchema[k], planned[key], olds[key]) {
			changed = true
		}
	}
	if !changed {
		return planned, nil
	}
	a := lhp.PlainMap(planned)
	const mib = 1024 * 1024
	body := map[string]any{
		"RestartPolicy": map[string]any{"Name": a.Str("restart", "no"), "MaximumRetryCount": int(a.Num("maxRetryCount", 0))},
		"CpuShares":     int64(a.Num("cpuShares", 0)),
		"Memory":        int64(a.Num("memory", 0)) * mib, "MemoryReservation": int64(a.Num("memoryReservation", 0)) * mib,
		"CpusetCpus": a.Str("cpuSet", ""),
	}
	if swap := int64(a.Num("memorySwap", 0)); swap != 0 {
		if swap > 0 {
			swap *= mib
		}
		body["MemorySwap"] = swap
	}
	if err := docker().do(ctx, "POST", "/containers/"+id+"/update", nil, body, nil); err != nil {
		return nil, fmt.Errorf("Unable to update a container: %w", err)
	}
	return planned, nil
}

// Read is upstream's refresh: gone, or not running while mustRun (then removed first), means deleted.
func (c container) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	info, err := inspect(ctx, id)
	if isStatus(err, 404) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if !info.State.Running && lhp.PlainMap(state).Bool("mustRun", true) {
		if err := c.Delete(ctx, id, state); err != nil {
			return nil, false, err
		}
		return nil, false, nil
	}
	return readContainer(info, state), true, nil
}

// Delete is upstream's resourceDockerContainerDelete: stop (unless attach), then a forced removal.
// Stopping a container that no longer exists fails, as upstream's does.
func (container) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	a := lhp.PlainMap(state)
	if !a.Bool("attach", false) {
		grace := strconv.Itoa(int(a.Num("destroyGraceSeconds", 0)))
		if err := docker().do(ctx, "POST", "/containers/"+id+"/stop", url.Values{"t": {grace}}, nil, nil); err != nil {
			return fmt.Errorf("Error stopping container %s: %w", id, err)
		}
	}
	err := docker().do(ctx, "DELETE", "/containers/"+id,
		url.Values{"force": {"1"}, "v": {strconv.FormatBool(a.Bool("removeVolumes", true))}}, nil, nil)
	if err != nil && !strings.Contains(err.Error(), "No such container") && !strings.Contains(err.Error(), "is already in progress") {
		return fmt.Errorf("Error deleting container %s: %w", id, err)
	}
	// Wait until the removal has finished (upstream: ContainerWait), so names and ports are free.
	for i := 0; i < 120; i++ {
		if _, err := inspect(ctx, id); isStatus(err, 404) {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return nil
}

func logsTail(ctx context.Context, id string) string {
	var raw []byte
	_ = docker().do(ctx, "GET", "/containers/"+id+"/logs", url.Values{"stdout": {"1"}, "stderr": {"1"}, "tail": {"30"}}, nil, &raw)
	return demux(raw)
}
