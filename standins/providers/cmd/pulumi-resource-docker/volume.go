package main

// docker:index/volume:Volume, as upstream's docker_volume (resource_docker_volume.go): every input
// the project uses is ForceNew, Read reports the live volume, a missing volume is dropped, Delete
// forces the removal and waits while a container still uses the volume.

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

type volume struct{}

func (volume) DiffsAgainstState() {}

func (volume) DeleteBeforeReplace(olds, news resource.PropertyMap) bool { return nameGivenByUser(news) }

func (volume) RefreshInputs(oldInputs, outs resource.PropertyMap) resource.PropertyMap {
	return lhp.BridgedInputs(oldInputs, outs)
}

func (volume) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	news, failures := checkInputs(volumeSchema, a, true)
	if v, ok := news["cluster"]; ok && !v.IsNull() {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "cluster",
			Reason: "cluster volumes are not supported by the lakehouse stand-in docker provider (see docs/offline.md)"})
	}
	return news, failures, nil
}

func (volume) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	return diffState(volumeSchema, oldInputs, olds, news)
}

func (v volume) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	body := map[string]any{"Labels": labelMap(a)}
	if n := a.Str("name", ""); n != "" {
		body["Name"] = n
	}
	if d := a.Str("driver", ""); d != "" {
		body["Driver"] = d
	}
	if o := a.StringMap("driverOpts"); len(o) > 0 {
		body["DriverOpts"] = o
	}
	var res struct{ Name string }
	if err := docker().do(ctx, "POST", "/volumes/create", nil, body, &res); err != nil {
		return "", nil, fmt.Errorf("Unable to create volume: %w", err)
	}
	outs, exists, err := v.Read(ctx, res.Name, planState(volumeSchema, news, nil))
	if err == nil && !exists {
		err = fmt.Errorf("volume %s vanished right after its creation", res.Name)
	}
	return res.Name, outs, err
}

func (volume) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	return planState(volumeSchema, news, olds), nil // only cluster.availability updates upstream
}

func (volume) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	var info struct {
		Name, Driver, Mountpoint string
		Labels, Options          map[string]string
	}
	err := docker().do(ctx, "GET", "/volumes/"+url.PathEscape(id), nil, nil, &info)
	if isStatus(err, 404) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("Unable to inspect volume: %w", err)
	}
	return withState(state, map[string]any{
		"name": info.Name, "labels": labelSet(info.Labels), "driver": info.Driver,
		"driverOpts": stringMap(info.Options), "mountpoint": info.Mountpoint,
	}), true, nil
}

// Delete is upstream's resourceDockerVolumeRemoveRefreshFunc: a forced removal, retried while in use.
func (volume) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	return untilDone(ctx, 30*time.Second, func() (bool, error) {
		err := docker().do(ctx, "DELETE", "/volumes/"+url.PathEscape(id), url.Values{"force": {"true"}}, nil, nil)
		if err != nil && strings.Contains(err.Error(), "volume is in use") {
			return false, nil
		}
		return true, err
	})
}
