package main

// docker:index/remoteImage:RemoteImage, as upstream's docker_image (resource_docker_image*.go), for
// local images only: this offline plugin never pulls and never builds. The ID is the image ID plus
// the name, re-derived on refresh; keepLocally and forceRemove update in place; Delete removes the
// image unless keepLocally, and fails while a container still uses it (unless forceRemove).

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

type remoteImage struct{}

func (remoteImage) DiffsAgainstState() {}

func (remoteImage) RefreshInputs(oldInputs, outs resource.PropertyMap) resource.PropertyMap {
	return lhp.BridgedInputs(oldInputs, outs)
}

func (remoteImage) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	news, failures := checkInputs(remoteImageSchema, a, false)
	if v, ok := news["build"]; ok && !v.IsNull() {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "build",
			Reason: "building is not supported by the lakehouse stand-in docker provider: build with scripts/images.sh"})
	}
	return news, failures, nil
}

func (remoteImage) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	return diffState(remoteImageSchema, oldInputs, olds, news)
}

type imageInfo struct {
	Id          string
	RepoDigests []string
}

func inspectImage(ctx context.Context, name string) (*imageInfo, error) {
	var info imageInfo
	err := docker().do(ctx, "GET", "/images/"+url.PathEscape(name)+"/json", nil, nil, &info)
	return &info, err
}

// findLocalImage is upstream's findImage without the pull.
func findLocalImage(ctx context.Context, name string) error {
	_, err := inspectImage(ctx, name)
	if isStatus(err, 404) {
		return fmt.Errorf("image %s is not present locally, and this offline provider never pulls: "+
			"build or load it first (scripts/images.sh)", name)
	}
	return err
}

func (r remoteImage) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	name := lhp.PlainMap(news).Str("name", "")
	if err := findLocalImage(ctx, name); err != nil {
		return "", nil, fmt.Errorf("Unable to read Docker image into resource: %w", err)
	}
	id, outs, exists, err := r.ReadID(ctx, "", planState(remoteImageSchema, news, nil))
	if err == nil && !exists {
		err = fmt.Errorf("image %s vanished right after it was found", name)
	}
	return id, outs, err
}

func (r remoteImage) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	planned := planState(remoteImageSchema, news, olds)
	if err := findLocalImage(ctx, lhp.PlainMap(planned).Str("name", "")); err != nil {
		return nil, fmt.Errorf("Unable to read Docker image into resource: %w", err)
	}
	_, outs, _, err := r.ReadID(ctx, id, planned)
	return outs, err
}

func (r remoteImage) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	_, outs, exists, err := r.ReadID(ctx, id, state)
	return outs, exists, err
}

// ReadID is upstream's resourceDockerImageRead: the ID becomes the current image ID plus the name.
func (remoteImage) ReadID(ctx context.Context, id string, state resource.PropertyMap) (string, resource.PropertyMap, bool, error) {
	name := lhp.PlainMap(state).Str("name", "")
	info, err := inspectImage(ctx, name)
	if isStatus(err, 404) {
		return "", nil, false, nil
	}
	if err != nil {
		return "", nil, false, fmt.Errorf("resourceDockerImageRead: error looking up local image %q: %w", name, err)
	}
	outs := withState(state, map[string]any{"imageId": info.Id, "repoDigest": repoDigest(name, info.RepoDigests)})
	return info.Id + name, outs, true, nil
}

// repoDigest is upstream's determineRepoDigest.
func repoDigest(name string, digests []string) string {
	switch len(digests) {
	case 0:
		return ""
	case 1:
		return digests[0]
	}
	repo := name
	if i := strings.Index(name, ":"); i >= 0 {
		repo = name[:i]
	}
	for _, d := range digests {
		if strings.HasPrefix(d, repo+"@") {
			return d
		}
	}
	return ""
}

func (remoteImage) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	a := lhp.PlainMap(state)
	if a.Bool("keepLocally", false) {
		return nil
	}
	name := a.Str("name", "")
	if _, err := inspectImage(ctx, name); isStatus(err, 404) {
		return nil
	}
	q := url.Values{"force": {strconv.FormatBool(a.Bool("forceRemove", false))}}
	if err := docker().do(ctx, "DELETE", "/images/"+url.PathEscape(name), q, nil, nil); err != nil {
		return fmt.Errorf("Unable to remove Docker image: %w", err)
	}
	return nil
}
