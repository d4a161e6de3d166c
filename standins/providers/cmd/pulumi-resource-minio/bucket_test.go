package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/conformance"
	"lakehouse.local/toolchain/providers/internal/lhp"
	"lakehouse.local/toolchain/providers/internal/livetest"
)

// The live tests run against one MinIO container from the project's local minio image, started by
// TestMain on a free loopback port and removed afterwards.

var server struct {
	container, endpoint string
}

const rootUser, rootPassword = "standin", "standin-password-1"

func TestMain(m *testing.M) {
	err := startMinio()
	code := 1
	if err != nil {
		fmt.Fprintf(os.Stderr, "minio live tests: %v\n", err)
	} else {
		code = m.Run()
	}
	if server.container != "" {
		if _, err := livetest.Docker("rm", "-f", "-v", server.container); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}

func startMinio() error {
	image, err := livetest.LocalImage("minio", "minio")
	if err != nil {
		return err
	}
	port, err := livetest.FreePort()
	if err != nil {
		return err
	}
	name := "lh-standin-minio-" + livetest.Suffix()
	if _, err := livetest.Docker("run", "-d", "--name", name, "-p", fmt.Sprintf("127.0.0.1:%d:9000", port),
		"-e", "MINIO_ROOT_USER="+rootUser, "-e", "MINIO_ROOT_PASSWORD="+rootPassword, image, "server", "/data"); err != nil {
		return err
	}
	server.container = name
	server.endpoint = fmt.Sprintf("127.0.0.1:%d", port)
	return livetest.WaitHealthy(name, 2*time.Minute)
}

// ---- the upstream table ----

func TestBucketMatchesUpstreamTable(t *testing.T) {
	tab := conformance.Load(t, "minio")
	r := tab.Resources[bucketToken]
	conformance.CheckLibraryInputs(t, r)
	p := newProvider()
	conformance.RunCheckCases(t, p, bucketToken, r)
	conformance.RunDiffCases(t, p, bucketToken, r, nil)
}

// State written by the stand-in before objectLocking was recorded must not plan an update.
func TestBucketStateWithoutObjectLockingPlansNothing(t *testing.T) {
	p := newProvider()
	olds := conformance.Props(map[string]any{"bucket": "warehouse", "acl": "private", "forceDestroy": true})
	in, _ := conformance.Check(t, p, bucketToken, "b", nil, conformance.Props(map[string]any{"bucket": "warehouse", "forceDestroy": true}))
	resp, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: conformance.URN(bucketToken, "b"), Type: bucketToken,
		Id: "warehouse", Olds: conformance.Struct(t, olds), OldInputs: conformance.Struct(t, in), News: conformance.Struct(t, in)})
	if err != nil || resp.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("diff %v %v, want no changes", resp, err)
	}
}

func TestBucketNamesAreCheckedLikeMinioGo(t *testing.T) {
	for name, ok := range map[string]bool{
		"warehouse": true, "spark-test": true, "a.b-c_d:e": true, "ab": false, "-warehouse": false,
		"a..b": false, "a.-b": false, "192.168.1.1": false, strings.Repeat("a", 64): false, "bad!name": false,
	} {
		if err := checkBucketName(name); (err == nil) != ok {
			t.Errorf("checkBucketName(%q) = %v, want valid=%v", name, err, ok)
		}
	}
}

// ---- live ----

var seq int

func bucketName(t *testing.T) string {
	seq++
	return fmt.Sprintf("standin-%d-%d", time.Now().Unix()%100000, seq)
}

func liveProvider(t *testing.T, endpoint, password string) *lhp.Provider {
	t.Helper()
	p := newProvider()
	_, err := p.Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: conformance.Struct(t, conformance.Props(map[string]any{
		"minioServer": endpoint, "minioUser": rootUser, "minioPassword": password, "minioSsl": false, "minioRegion": "us-east-1",
	}))})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func create(t *testing.T, p *lhp.Provider, news map[string]any) (string, resource.PropertyMap, resource.PropertyMap, error) {
	t.Helper()
	in, failures := conformance.Check(t, p, bucketToken, "bucket", nil, conformance.Props(news))
	if len(failures) > 0 {
		t.Fatalf("check: %v", failures)
	}
	resp, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: conformance.URN(bucketToken, "bucket"),
		Type: bucketToken, Properties: conformance.Struct(t, in)})
	if err != nil {
		return "", in, nil, err
	}
	return resp.GetId(), in, conformance.Unstruct(t, resp.GetProperties()), nil
}

func read(t *testing.T, p *lhp.Provider, id string, state, inputs resource.PropertyMap) (resource.PropertyMap, bool) {
	t.Helper()
	resp, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Id: id, Urn: conformance.URN(bucketToken, "bucket"),
		Type: bucketToken, Properties: conformance.Struct(t, state), Inputs: conformance.Struct(t, inputs)})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if resp.GetId() == "" {
		return nil, false
	}
	return conformance.Unstruct(t, resp.GetProperties()), true
}

func deleteBucket(t *testing.T, p *lhp.Provider, id string, state resource.PropertyMap) error {
	t.Helper()
	_, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{Id: id, Urn: conformance.URN(bucketToken, "bucket"),
		Type: bucketToken, Properties: conformance.Struct(t, state)})
	return err
}

// bucketOnDisk looks in the server's data directory, independent of the provider's S3 client (an
// anonymous request cannot tell: MinIO answers 403 for missing buckets too): each bucket is a directory.
func bucketOnDisk(t *testing.T, name string) bool {
	t.Helper()
	out, err := livetest.Docker("exec", server.container, "sh", "-c", "test -d /data/"+name+" && echo yes || echo no")
	if err != nil {
		t.Fatal(err)
	}
	return out == "yes"
}

func str(m resource.PropertyMap, k string) string {
	if v, ok := m[resource.PropertyKey(k)]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

func TestLiveCreateReadsBackArnAndDomainNameAndPlansNothing(t *testing.T) {
	p := liveProvider(t, server.endpoint, rootPassword)
	name := bucketName(t)
	id, in, outs, err := create(t, p, map[string]any{"bucket": name, "forceDestroy": true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = deleteBucket(t, p, id, outs) })
	if id != name || !bucketOnDisk(t, name) {
		t.Fatalf("id %q, on disk %v; want %q, created", id, bucketOnDisk(t, name), name)
	}
	want := map[string]string{"bucket": name, "acl": "private", "arn": "arn:aws:s3:::" + name,
		"bucketDomainName": "http://" + server.endpoint + "/minio/" + name}
	state, exists := read(t, p, id, outs, in)
	if !exists {
		t.Fatal("a bucket just created reads as gone")
	}
	for k, v := range want {
		if str(outs, k) != v || str(state, k) != v {
			t.Errorf("%s: create %q, read %q; want %q", k, str(outs, k), str(state, k), v)
		}
	}
	resp, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: conformance.URN(bucketToken, "bucket"), Type: bucketToken,
		Id: id, Olds: conformance.Struct(t, state), OldInputs: conformance.Struct(t, in), News: conformance.Struct(t, in)})
	if err != nil || resp.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("diff after create+refresh: %v %v, want no changes", resp, err)
	}
}

func TestLiveCreatingABucketThatExistsFails(t *testing.T) {
	p := liveProvider(t, server.endpoint, rootPassword)
	name := bucketName(t)
	id, _, outs, err := create(t, p, map[string]any{"bucket": name, "forceDestroy": true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = deleteBucket(t, p, id, outs) })
	if _, _, _, err := create(t, p, map[string]any{"bucket": name}); err == nil || !strings.Contains(err.Error(), "bucket already exists!") {
		t.Errorf("second create: %v, want upstream's \"bucket already exists!\" (no adoption)", err)
	}
}

func TestLiveAnInvalidNameFailsAtCreate(t *testing.T) {
	p := liveProvider(t, server.endpoint, rootPassword)
	if _, _, _, err := create(t, p, map[string]any{"bucket": "Bad..Name"}); err == nil || !strings.Contains(err.Error(), "invalid characters") {
		t.Errorf("create: %v, want minio-go's \"Bucket name contains invalid characters\"", err)
	}
}

func TestLiveNamesAreChosenAtCreateLikeTerraform(t *testing.T) {
	p := liveProvider(t, server.endpoint, rootPassword)
	id, _, outs, err := create(t, p, map[string]any{"forceDestroy": true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = deleteBucket(t, p, id, outs) })
	if !regexp.MustCompile(`^terraform-[0-9]{18}[0-9a-f]{8}$`).MatchString(id) {
		t.Errorf("unnamed bucket %q, want terraform-<18 digits><8 hex>", id)
	}
	id2, _, outs2, err := create(t, p, map[string]any{"bucketPrefix": "wh-", "forceDestroy": true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = deleteBucket(t, p, id2, outs2) })
	if !regexp.MustCompile(`^wh-[0-9]{18}[0-9a-f]{8}$`).MatchString(id2) {
		t.Errorf("prefixed bucket %q, want wh-<18 digits><8 hex>", id2)
	}
}

func TestLiveABucketDeletedByHandIsGoneAndDeletingItAgainFails(t *testing.T) {
	p := liveProvider(t, server.endpoint, rootPassword)
	name := bucketName(t)
	id, in, outs, err := create(t, p, map[string]any{"bucket": name})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s3(context.Background(), http.MethodDelete, "/"+name, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if bucketOnDisk(t, name) {
		t.Fatal("the bucket deleted by hand is still on disk")
	}
	if _, exists := read(t, p, id, outs, in); exists {
		t.Error("a bucket deleted by hand still reads as existing")
	}
	if err := deleteBucket(t, p, id, outs); err == nil || !strings.Contains(err.Error(), "unable to remove bucket") {
		t.Errorf("delete of a gone bucket: %v, want upstream's \"unable to remove bucket\" error", err)
	}
}

func TestLiveReadDropsTheBucketWhenItCannotAsk(t *testing.T) {
	p := liveProvider(t, server.endpoint, rootPassword)
	name := bucketName(t)
	id, in, outs, err := create(t, p, map[string]any{"bucket": name, "forceDestroy": true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = deleteBucket(t, liveProvider(t, server.endpoint, rootPassword), id, outs) })
	wrong := liveProvider(t, server.endpoint, "not-the-password")
	if _, exists := read(t, wrong, id, outs, in); exists {
		t.Error("with refused credentials the bucket reads as existing; upstream's Read drops it (BucketExists false)")
	}
	port, err := livetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, exists := read(t, liveProvider(t, fmt.Sprintf("127.0.0.1:%d", port), rootPassword), id, outs, in); exists {
		t.Error("with no server the bucket reads as existing; upstream's Read drops it after minio-go's retries")
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("read against no server took %s, want minio-go's 10 quick attempts (under 10 s)", took)
	}
	if !bucketOnDisk(t, name) {
		t.Error("the bucket itself must still exist")
	}
}

func TestLiveDeleteEmptiesOnlyWithForceDestroy(t *testing.T) {
	p := liveProvider(t, server.endpoint, rootPassword)
	name := bucketName(t)
	id, _, outs, err := create(t, p, map[string]any{"bucket": name, "forceDestroy": false})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s3(context.Background(), http.MethodPut, "/"+name+"/a/b.txt", nil, []byte("hello"), nil); err != nil {
		t.Fatal(err)
	}
	if err := deleteBucket(t, p, id, outs); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("delete without forceDestroy: %v, want a \"not empty\" error", err)
	}
	forced := resource.PropertyMap{}
	for k, v := range outs {
		forced[k] = v
	}
	forced["forceDestroy"] = resource.NewBoolProperty(true)
	if err := deleteBucket(t, p, id, forced); err != nil {
		t.Fatalf("delete with forceDestroy: %v", err)
	}
	if bucketOnDisk(t, name) {
		t.Error("the bucket still exists after a forced delete")
	}
}

// Iceberg writes partition paths with '=' (`commit_time_day=2026-12-04/`); a forced delete must empty a
// bucket holding such keys, as upstream (minio-go) does. The keys are listed back from MinIO first, so the
// server, not this code, says they were stored under exactly these names.
func TestLiveForceDestroyEmptiesKeysThatNeedPercentEncoding(t *testing.T) {
	p := liveProvider(t, server.endpoint, rootPassword)
	name := bucketName(t)
	id, _, outs, err := create(t, p, map[string]any{"bucket": name, "forceDestroy": true})
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{
		"cdc/users_changelog/data/commit_time_day=2026-12-04/00000-1-0a1b.parquet",
		"odd/a b+c:d@e,f;g$h&i'(j)!*.txt",
		"odd/caf\u00e9 \u6570\u636e.txt",
	}
	for _, k := range keys {
		if _, err := s3(context.Background(), http.MethodPut, "/"+name+"/"+encodeKey(k), nil, []byte("x"), nil); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
	}
	data, err := s3(context.Background(), http.MethodGet, "/"+name, url.Values{"versions": {""}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var l listResult
	if err := xml.Unmarshal(data, &l); err != nil {
		t.Fatal(err)
	}
	var stored []string
	for _, v := range l.Versions {
		stored = append(stored, v.Key)
	}
	sort.Strings(stored)
	want := append([]string(nil), keys...)
	sort.Strings(want)
	if strings.Join(stored, "\n") != strings.Join(want, "\n") {
		t.Fatalf("MinIO stored keys %q, want %q", stored, want)
	}
	if err := deleteBucket(t, p, id, outs); err != nil {
		t.Fatalf("delete with forceDestroy: %v", err)
	}
	if bucketOnDisk(t, name) {
		t.Error("the bucket still exists after a forced delete")
	}
}

func TestLiveObjectLockingChangesInPlace(t *testing.T) {
	p := liveProvider(t, server.endpoint, rootPassword)
	name := bucketName(t)
	id, in, outs, err := create(t, p, map[string]any{"bucket": name, "forceDestroy": true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = deleteBucket(t, p, id, outs) })
	news, _ := conformance.Check(t, p, bucketToken, "bucket", in, conformance.Props(map[string]any{"bucket": name, "forceDestroy": true, "objectLocking": true}))
	resp, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{Id: id, Urn: conformance.URN(bucketToken, "bucket"), Type: bucketToken,
		Olds: conformance.Struct(t, outs), OldInputs: conformance.Struct(t, in), News: conformance.Struct(t, news)})
	if err != nil {
		t.Fatal(err)
	}
	if v := conformance.Unstruct(t, resp.GetProperties())["objectLocking"]; !v.IsBool() || !v.BoolValue() {
		t.Errorf("objectLocking after update %v, want true recorded", v)
	}
	if !bucketOnDisk(t, name) {
		t.Error("the bucket must still be there")
	}
}
