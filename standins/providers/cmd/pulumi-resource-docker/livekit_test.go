package main

// Live-test kit: the real Docker daemon (scripts/docker.sh starts it; without it these tests fail,
// they never skip), a one-binary image built here from testdata/sleeper, unique names, cleanup,
// and the provider's gRPC calls.

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

const (
	containerType = "docker:index/container:Container"
	networkType   = "docker:index/network:Network"
	volumeType    = "docker:index/volume:Volume"
	imageType     = "docker:index/remoteImage:RemoteImage"
	sleeperRepo   = "lakehouse-standin-test/sleeper"
)

var (
	sleeperOnce sync.Once
	sleeperTag  string
	sleeperTar  []byte
	sleeperErr  error
)

type live struct {
	t      *testing.T
	p      *lhp.Provider
	ctx    context.Context
	prefix string
	image  string
}

// newLive fails the test when Docker does not answer.
func newLive(t *testing.T) *live {
	t.Helper()
	ctx := context.Background()
	if err := docker().do(ctx, "GET", "/_ping", nil, nil, nil); err != nil {
		t.Fatalf("the live tests need the Docker daemon (bash scripts/docker.sh): %v", err)
	}
	sleeperOnce.Do(func() { sleeperTag, sleeperTar, sleeperErr = buildSleeperImage(ctx) })
	if sleeperErr != nil {
		t.Fatalf("building the test image: %v", sleeperErr)
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	l := &live{t: t, p: newProvider(), ctx: ctx, prefix: "lh-conf-" + hex.EncodeToString(b), image: sleeperTag}
	t.Cleanup(l.cleanup)
	return l
}

// buildSleeperImage compiles testdata/sleeper statically and imports it as the image's only file.
func buildSleeperImage(ctx context.Context) (string, []byte, error) {
	dir, err := os.MkdirTemp("", "lh-sleeper-")
	if err != nil {
		return "", nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "sleeper")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "./testdata/sleeper")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", nil, &buildError{string(out), err}
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []string{"tmp/", "etc/"} {
		_ = tw.WriteHeader(&tar.Header{Name: d, Mode: 0o1777, Typeflag: tar.TypeDir})
	}
	_ = tw.WriteHeader(&tar.Header{Name: "sleeper", Mode: 0o755, Size: int64(len(data))})
	_, _ = tw.Write(data)
	_ = tw.Close()
	sum := sha256.Sum256(data)
	tag := hex.EncodeToString(sum[:6])
	image := sleeperRepo + ":" + tag
	// Images of earlier sleeper builds go (the tag is the binary's hash).
	var images []struct{ RepoTags []string }
	_ = docker().do(ctx, "GET", "/images/json", url.Values{"filters": {`{"reference":["` + sleeperRepo + `"]}`}}, nil, &images)
	for _, im := range images {
		for _, t := range im.RepoTags {
			if t != image {
				_ = docker().do(ctx, "DELETE", "/images/"+url.PathEscape(t), nil, nil, nil)
			}
		}
	}
	if _, err := inspectImage(ctx, image); err == nil {
		return image, buf.Bytes(), nil
	}
	err = importImage(ctx, buf.Bytes(), sleeperRepo, tag)
	return image, buf.Bytes(), err
}

func importImage(ctx context.Context, rootfs []byte, repo, tag string, changes ...string) error {
	q := url.Values{"fromSrc": {"-"}, "repo": {repo}, "tag": {tag}, "changes": append([]string{`CMD ["/sleeper"]`}, changes...)}
	var out []byte
	if err := docker().do(ctx, "POST", "/images/create", q, rootfs, &out); err != nil {
		return err
	}
	if strings.Contains(string(out), `"error"`) {
		return &buildError{string(out), nil}
	}
	return nil
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string {
	if e.err != nil {
		return e.err.Error() + ": " + e.out
	}
	return e.out
}

func (l *live) name(role string) string { return l.prefix + "-" + role }

// cleanup removes every container, network and volume named with this test's prefix.
func (l *live) cleanup() {
	ctx := context.Background()
	filter := url.Values{"all": {"1"}, "filters": {`{"name":["` + l.prefix + `"]}`}}
	var cs []struct{ Id string }
	_ = docker().do(ctx, "GET", "/containers/json", filter, nil, &cs)
	for _, c := range cs {
		_ = docker().do(ctx, "DELETE", "/containers/"+c.Id, url.Values{"force": {"1"}, "v": {"1"}}, nil, nil)
	}
	var ns []struct{ Id string }
	_ = docker().do(ctx, "GET", "/networks", url.Values{"filters": {`{"name":["` + l.prefix + `"]}`}}, nil, &ns)
	for _, n := range ns {
		_ = docker().do(ctx, "DELETE", "/networks/"+n.Id, nil, nil, nil)
	}
	var vs struct{ Volumes []struct{ Name string } }
	_ = docker().do(ctx, "GET", "/volumes", url.Values{"filters": {`{"name":["` + l.prefix + `"]}`}}, nil, &vs)
	for _, v := range vs.Volumes {
		_ = docker().do(ctx, "DELETE", "/volumes/"+v.Name, url.Values{"force": {"1"}}, nil, nil)
	}
}

func (l *live) check(typ string, news map[string]any) resource.PropertyMap {
	l.t.Helper()
	checked, failures := checkVia(l.t, l.p, typ, nil, props(news))
	if len(failures) > 0 {
		l.t.Fatalf("Check refuses %v: %v", news, failures)
	}
	return checked
}

func (l *live) createErr(typ string, inputs resource.PropertyMap) (*pulumirpc.CreateResponse, error) {
	return l.p.Create(l.ctx, &pulumirpc.CreateRequest{Urn: urn(typ), Type: typ, Properties: toStruct(l.t, inputs), Timeout: 600})
}

// create checks and creates; it returns the ID, the checked inputs and the state.
func (l *live) create(typ string, news map[string]any) (string, resource.PropertyMap, resource.PropertyMap) {
	l.t.Helper()
	inputs := l.check(typ, news)
	res, err := l.createErr(typ, inputs)
	if err != nil {
		l.t.Fatalf("Create %s: %v", typ, err)
	}
	return res.GetId(), inputs, fromStruct(l.t, res.GetProperties())
}

// read is a refresh; the returned ID is "" when the resource is gone.
func (l *live) read(typ, id string, inputs, state resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap) {
	l.t.Helper()
	res, err := l.p.Read(l.ctx, &pulumirpc.ReadRequest{Urn: urn(typ), Type: typ, Id: id,
		Properties: toStruct(l.t, state), Inputs: toStruct(l.t, inputs)})
	if err != nil {
		l.t.Fatalf("Read %s: %v", typ, err)
	}
	if res.GetId() == "" {
		return "", nil, nil
	}
	return res.GetId(), fromStruct(l.t, res.GetInputs()), fromStruct(l.t, res.GetProperties())
}

func (l *live) diff(typ string, oldInputs, state resource.PropertyMap, news map[string]any) *pulumirpc.DiffResponse {
	l.t.Helper()
	checked, failures := checkVia(l.t, l.p, typ, oldInputs, props(news))
	if len(failures) > 0 {
		l.t.Fatalf("Check refuses %v: %v", news, failures)
	}
	return diffVia(l.t, l.p, typ, oldInputs, state, checked)
}

func (l *live) update(typ, id string, oldInputs, state resource.PropertyMap, news map[string]any) (resource.PropertyMap, resource.PropertyMap) {
	l.t.Helper()
	checked := l.check(typ, news)
	res, err := l.p.Update(l.ctx, &pulumirpc.UpdateRequest{Urn: urn(typ), Type: typ, Id: id,
		Olds: toStruct(l.t, state), OldInputs: toStruct(l.t, oldInputs), News: toStruct(l.t, checked), Timeout: 600})
	if err != nil {
		l.t.Fatalf("Update %s: %v", typ, err)
	}
	return checked, fromStruct(l.t, res.GetProperties())
}

func (l *live) delete(typ, id string, state resource.PropertyMap) error {
	_, err := l.p.Delete(l.ctx, &pulumirpc.DeleteRequest{Urn: urn(typ), Type: typ, Id: id, Properties: toStruct(l.t, state)})
	return err
}

// inspect fails the test unless the container exists.
func (l *live) inspect(id string) *containerInfo {
	l.t.Helper()
	info, err := inspect(l.ctx, id)
	if err != nil {
		l.t.Fatalf("inspecting %s: %v", id, err)
	}
	return info
}

func (l *live) exists(path string) bool {
	err := docker().do(l.ctx, "GET", path, nil, nil, nil)
	if err != nil && !isStatus(err, 404) {
		l.t.Fatalf("GET %s: %v", path, err)
	}
	return err == nil
}

// api calls the Engine API directly: what a person does by hand.
func (l *live) api(method, path string, query url.Values, body any) {
	l.t.Helper()
	if err := docker().do(l.ctx, method, path, query, body, nil); err != nil {
		l.t.Fatalf("%s %s: %v", method, path, err)
	}
}

// exec runs a command in a container and returns its output and exit code.
func (l *live) exec(id string, cmd ...string) (string, int) {
	l.t.Helper()
	var created struct{ Id string }
	if err := docker().do(l.ctx, "POST", "/containers/"+id+"/exec", nil,
		map[string]any{"Cmd": cmd, "AttachStdout": true, "AttachStderr": true}, &created); err != nil {
		l.t.Fatalf("exec %v: %v", cmd, err)
	}
	var raw []byte
	if err := docker().do(l.ctx, "POST", "/exec/"+created.Id+"/start", nil, map[string]any{"Detach": false}, &raw); err != nil {
		l.t.Fatalf("exec %v: %v", cmd, err)
	}
	var info struct{ ExitCode int }
	_ = docker().do(l.ctx, "GET", "/exec/"+created.Id+"/json", nil, nil, &info)
	return demux(raw), info.ExitCode
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func plainOf(v resource.PropertyValue) any { return lhp.Plain(v) }
