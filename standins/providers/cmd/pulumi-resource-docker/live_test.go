package main

// Live conformance against the real Docker daemon: what upstream's Create, Read, Update and Delete
// do to real containers, networks, volumes and images, including changes made by hand.

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil/rpcerror"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// healthy: a healthcheck the sleeper passes at once.
func healthy() map[string]any {
	return map[string]any{"tests": []any{"CMD", "/sleeper", "true"}, "interval": "1s", "timeout": "5s", "retries": 3}
}

// A container shaped like the library's (components/core/container.ts) previews no change after create,
// and none after a refresh.
func TestLiveNoDiffAfterCreateAndRefresh(t *testing.T) {
	l := newLive(t)
	_, _, netState := l.create(networkType, map[string]any{"name": l.name("net"), "driver": "bridge", "attachable": true,
		"labels": []any{map[string]any{"label": "lakehouse.component", "value": "conf"}}})
	_, _, volState := l.create(volumeType, map[string]any{"name": l.name("data"),
		"labels": []any{map[string]any{"label": "lakehouse.keep", "value": "false"}}})
	port, anyAddress := freePort(t), freePort(t)
	inputs := map[string]any{
		"name": l.name("app"), "hostname": "app", "image": l.image,
		"envs":    []any{"B=2", "A=1"},
		"command": []any{"/sleeper"},
		"labels":  []any{map[string]any{"label": "lakehouse.role", "value": "app"}, map[string]any{"label": "lakehouse.component", "value": "conf"}},
		// No ip: upstream binds 0.0.0.0 explicitly, so Docker reports one binding (not also "::").
		"ports": []any{map[string]any{"internal": 8080, "external": port, "ip": "127.0.0.1", "protocol": "tcp"},
			map[string]any{"internal": 9090, "external": anyAddress}},
		"healthcheck":      map[string]any{"tests": []any{"CMD", "/sleeper", "true"}, "interval": "1s", "timeout": "10s", "retries": 30, "startPeriod": "20s"},
		"volumes":          []any{map[string]any{"volumeName": plainOf(volState["name"]), "containerPath": "/data"}},
		"uploads":          []any{map[string]any{"file": "/etc/conf/app.properties", "content": "a=1\n"}},
		"networksAdvanced": []any{map[string]any{"name": plainOf(netState["name"]), "aliases": []any{"app"}}},
		"restart":          "unless-stopped", "wait": true, "waitTimeout": 60, "mustRun": true,
	}
	id, checked, state := l.create(containerType, inputs)
	if d := l.diff(containerType, checked, state, inputs); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("a preview right after create wants changes: %v", d.GetDiffs())
	}
	_, refreshedInputs, refreshed := l.read(containerType, id, checked, state)
	if refreshed == nil {
		t.Fatal("refresh drops a running container")
	}
	if d := l.diff(containerType, refreshedInputs, refreshed, inputs); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("a preview after refresh wants changes: %v", d.GetDiffs())
	}
	if out, code := l.exec(id, "/sleeper", "cat", "/etc/conf/app.properties"); code != 0 || out != "a=1\n" {
		t.Errorf("the upload reads %q (exit %d)", out, code)
	}
	if got := plainOf(refreshed["ports"]); !plainEqual(got, []any{map[string]any{"internal": 8080, "external": port, "ip": "127.0.0.1", "protocol": "tcp"},
		map[string]any{"internal": 9090, "external": anyAddress, "ip": "0.0.0.0", "protocol": "tcp"}}) {
		t.Errorf("ports read back as %v", got)
	}
}

func TestLiveHealthcheckDurationsReadBackNormalised(t *testing.T) {
	c := loadConformance(t)
	row := c.Resources[containerType].Properties["healthcheck"]
	if len(row.Normalise) == 0 {
		t.Fatal("the table has no healthcheck normalisation cases")
	}
	l := newLive(t)
	for i, n := range row.Normalise {
		inputs := map[string]any{"name": l.name("hc" + string(rune('a'+i))), "image": l.image, "healthcheck": n.Input}
		id, checked, state := l.create(containerType, inputs)
		if got := plainOf(state["healthcheck"]); !plainEqual(got, n.Read) {
			t.Errorf("after create: %v reads back as %v, upstream %v", n.Input, got, n.Read)
		}
		_, _, refreshed := l.read(containerType, id, checked, state)
		if got := plainOf(refreshed["healthcheck"]); !plainEqual(got, n.Read) {
			t.Errorf("after refresh: %v reads back as %v, upstream %v", n.Input, got, n.Read)
		}
		d := l.diff(containerType, checked, state, inputs)
		if !contains(d.GetDiffs(), "healthcheck") || contains(d.GetReplaces(), "healthcheck") {
			t.Errorf("the same program after create: upstream updates healthcheck in place; diffs %v, replaces %v", d.GetDiffs(), d.GetReplaces())
		}
		if d := l.diff(containerType, checked, state, with(inputs, "healthcheck", n.Read)); contains(d.GetDiffs(), "healthcheck") {
			t.Errorf("durations written as Docker reads them back still show a diff")
		}
	}
}

// Each property the table says upstream reads from the live container is overwritten by Read; each
// it says upstream keeps from the state is not.
func TestLiveReadBackPerConformanceTable(t *testing.T) {
	c := loadConformance(t)
	l := newLive(t)
	_, _, netState := l.create(networkType, map[string]any{"name": l.name("net"), "labels": []any{map[string]any{"label": "a", "value": "1"}},
		"options": map[string]any{"com.docker.network.bridge.enable_icc": "true"}})
	_, _, volState := l.create(volumeType, map[string]any{"name": l.name("vol"), "driverOpts": map[string]any{"type": "tmpfs", "device": "tmpfs"}})
	id, _, _ := l.create(containerType, map[string]any{"name": l.name("app"), "image": l.image, "healthcheck": healthy(),
		"ports": []any{map[string]any{"internal": 8080, "external": freePort(t), "ip": "127.0.0.1"}}, "logOpts": map[string]any{"max-size": "1m"},
		"tmpfs": map[string]any{"/run": "rw"}, "memory": 64, "user": "0", "workingDir": "/tmp"})
	info := l.inspect(id)
	readers := map[string]func(state resource.PropertyMap) resource.PropertyMap{
		containerType: func(s resource.PropertyMap) resource.PropertyMap { return readContainer(info, s) },
		networkType: func(s resource.PropertyMap) resource.PropertyMap {
			out, _, _ := network{}.Read(l.ctx, plainOf(netState["name"]).(string), s)
			return out
		},
		volumeType: func(s resource.PropertyMap) resource.PropertyMap {
			out, _, _ := volume{}.Read(l.ctx, plainOf(volState["name"]).(string), s)
			return out
		},
	}
	for typ, read := range readers {
		live := read(resource.PropertyMap{"image": resource.NewStringProperty(l.image)})
		for prop, row := range c.Resources[typ].Properties {
			key := resource.PropertyKey(prop)
			sentinel := sentinelFor(containerOrNetworkSchema(typ)[prop], live[key])
			if plainEqual(plainOf(sentinel), plainOf(live[key])) {
				t.Fatalf("%s %s: the sentinel equals the live value", typ, prop)
			}
			out := read(resource.PropertyMap{"image": resource.NewStringProperty(l.image), key: sentinel})
			kept := plainEqual(plainOf(out[key]), plainOf(sentinel))
			if kept != (row.ReadBack == "state") {
				t.Errorf("%s %s: upstream reads it from %s; the stand-in's Read kept the state's value: %v", typ, prop, row.ReadBack, kept)
			}
		}
	}
}

func containerOrNetworkSchema(typ string) schema {
	switch typ {
	case networkType:
		return networkSchema
	case volumeType:
		return volumeSchema
	}
	return containerSchema
}

// sentinelFor returns a value of the attribute's type that no live object holds.
func sentinelFor(at *attr, live resource.PropertyValue) resource.PropertyValue {
	switch at.kind {
	case kBool:
		return resource.NewBoolProperty(!(live.IsBool() && live.BoolValue()))
	case kInt:
		return resource.NewNumberProperty(987654)
	case kMap:
		return resource.NewPropertyValue(map[string]any{"conformance": "sentinel"})
	case kBlock:
		obj := map[string]any{}
		for k, f := range at.fields {
			if f.kind == kString {
				obj[k] = "sentinel"
			}
		}
		return resource.NewPropertyValue(obj)
	case kList, kSet:
		if at.fields != nil {
			obj := map[string]any{}
			for k, f := range at.fields {
				if f.kind == kString {
					obj[k] = "sentinel"
				}
			}
			return resource.NewPropertyValue([]any{obj})
		}
		return resource.NewPropertyValue([]any{"conformance-sentinel"})
	}
	return resource.NewStringProperty("conformance-sentinel")
}

func TestLiveRefreshDropsRemovedContainer(t *testing.T) {
	l := newLive(t)
	id, inputs, state := l.create(containerType, map[string]any{"name": l.name("app"), "image": l.image})
	l.api("DELETE", "/containers/"+id, url.Values{"force": {"1"}}, nil)
	if gone, _, _ := l.read(containerType, id, inputs, state); gone != "" {
		t.Errorf("refresh keeps a container removed by hand")
	}
}

func TestLiveRefreshRemovesStoppedContainer(t *testing.T) {
	l := newLive(t)
	id, inputs, state := l.create(containerType, map[string]any{"name": l.name("app"), "image": l.image, "restart": "unless-stopped"})
	l.api("POST", "/containers/"+id+"/stop", url.Values{"t": {"5"}}, nil)
	if gone, _, _ := l.read(containerType, id, inputs, state); gone != "" {
		t.Errorf("refresh keeps a container stopped by hand while mustRun is true")
	}
	if l.exists("/containers/" + id + "/json") {
		t.Errorf("upstream removes the stopped container during the refresh; it is still there")
	}
	// The next up creates it again under the same name.
	l.create(containerType, map[string]any{"name": l.name("app"), "image": l.image, "restart": "unless-stopped"})
}

func TestLiveRefreshKeepsStoppedContainerWithoutMustRun(t *testing.T) {
	l := newLive(t)
	id, inputs, state := l.create(containerType, map[string]any{"name": l.name("job"), "image": l.image,
		"command": []any{"/sleeper", "exit", "3"}, "mustRun": false})
	l.api("POST", "/containers/"+id+"/wait", url.Values{"condition": {"not-running"}}, nil)
	kept, _, refreshed := l.read(containerType, id, inputs, state)
	if kept != id {
		t.Fatalf("refresh drops a stopped container although mustRun is false")
	}
	if got := plainOf(refreshed["exitCode"]); !plainEqual(got, 3) {
		t.Errorf("exitCode reads %v, want 3", got)
	}
}

func TestLiveDriftOfRestartPolicyIsAnUpdate(t *testing.T) {
	l := newLive(t)
	program := map[string]any{"name": l.name("app"), "image": l.image, "restart": "no"}
	id, inputs, state := l.create(containerType, program)
	l.api("POST", "/containers/"+id+"/update", nil, map[string]any{"RestartPolicy": map[string]any{"Name": "always"}})
	_, refreshedInputs, refreshed := l.read(containerType, id, inputs, state)
	if got := plainOf(refreshed["restart"]); got != "always" {
		t.Fatalf("refresh reports restart %v, the container has always", got)
	}
	if got := plainOf(refreshedInputs["restart"]); got != "always" {
		t.Errorf("the refreshed inputs hold restart %v, the bridge records the live always", got)
	}
	d := l.diff(containerType, refreshedInputs, refreshed, program)
	if !contains(d.GetDiffs(), "restart") || len(d.GetReplaces()) > 0 {
		t.Errorf("upstream updates restart in place; diffs %v, replaces %v", d.GetDiffs(), d.GetReplaces())
	}
}

func TestLiveEmptyCommandValueFailsCreate(t *testing.T) {
	c := loadConformance(t)
	row := c.Resources[containerType].Properties["command"]
	if row.CreateError == nil {
		t.Fatal("the table has no createError for command")
	}
	l := newLive(t)
	program := map[string]any{"name": l.name("app"), "image": l.image, "command": row.CreateError.Value}
	inputs := l.check(containerType, program) // upstream's validation accepts it: preview passes
	_, err := l.createErr(containerType, inputs)
	if err == nil || !strings.Contains(err.Error(), row.CreateError.Reason) {
		t.Fatalf("Create: upstream fails with %q, got %v", row.CreateError.Reason, err)
	}
	if l.exists("/containers/" + l.name("app") + "/json") {
		t.Errorf("the failed create left a container behind")
	}
	// An empty entrypoint value is not refused (the sleeper treats "" as "run").
	l.create(containerType, map[string]any{"name": l.name("ep"), "image": l.image, "entrypoints": []any{"/sleeper", ""}})
}

func TestLiveWaitTimeoutLeavesContainerWithInitError(t *testing.T) {
	l := newLive(t)
	program := map[string]any{"name": l.name("sick"), "image": l.image, "wait": true, "waitTimeout": 4,
		"healthcheck": map[string]any{"tests": []any{"CMD", "/sleeper", "false"}, "interval": "1s", "retries": 1}}
	inputs := l.check(containerType, program)
	_, err := l.createErr(containerType, inputs)
	if err == nil {
		t.Fatal("an unhealthy container with wait: true was created without error")
	}
	var initErr *pulumirpc.ErrorResourceInitFailed
	if re, ok := rpcerror.FromError(err); ok {
		for _, d := range re.Details() {
			if e, ok := d.(*pulumirpc.ErrorResourceInitFailed); ok {
				initErr = e
			}
		}
	}
	if initErr == nil || initErr.GetId() == "" {
		t.Fatalf("upstream records the container with an initialization error; got %v", err)
	}
	if !strings.Contains(strings.Join(initErr.GetReasons(), " "), "container failed to be in healthy state") {
		t.Errorf("reasons %v lack upstream's message", initErr.GetReasons())
	}
	if !l.exists("/containers/" + initErr.GetId() + "/json") {
		t.Fatalf("upstream leaves the container in place; it is gone")
	}
	// The engine retries a resource with init errors by an Update: no re-create, no wait.
	state := fromStruct(t, initErr.GetProperties())
	l.update(containerType, initErr.GetId(), inputs, state, program)
	if !l.exists("/containers/" + initErr.GetId() + "/json") {
		t.Errorf("the retry replaced the container")
	}
}

func TestLiveExitedContainerIsRemovedOnCreate(t *testing.T) {
	l := newLive(t)
	inputs := l.check(containerType, map[string]any{"name": l.name("crash"), "image": l.image, "command": []any{"/sleeper", "exit", "3"}})
	_, err := l.createErr(containerType, inputs)
	if err == nil || !strings.Contains(err.Error(), "container exited immediately") {
		t.Fatalf("Create: upstream fails with \"container exited immediately\", got %v", err)
	}
	if re, ok := rpcerror.FromError(err); ok && len(re.Details()) > 0 {
		t.Errorf("upstream records nothing (it deleted the container); the stand-in returned details %v", re.Details())
	}
	if l.exists("/containers/" + l.name("crash") + "/json") {
		t.Errorf("upstream removes the exited container; it is still there")
	}
}

func TestLiveNetworksAdvancedAndAliases(t *testing.T) {
	l := newLive(t)
	_, _, net := l.create(networkType, map[string]any{"name": l.name("net")})
	netName := plainOf(net["name"]).(string)
	member := func(role string) (string, resource.PropertyMap) {
		id, _, state := l.create(containerType, map[string]any{"name": l.name(role), "image": l.image,
			"networksAdvanced": []any{map[string]any{"name": netName, "aliases": []any{role + "-alias"}}}})
		return id, state
	}
	a, aState := member("a")
	b, _ := member("b")
	info := l.inspect(a)
	if info.HostConfig.NetworkMode != "bridge" {
		t.Errorf("HostConfig.NetworkMode is %q; upstream creates on bridge, then moves the container", info.HostConfig.NetworkMode)
	}
	if _, onBridge := info.NetworkSettings.Networks["bridge"]; onBridge || len(info.NetworkSettings.Networks) != 1 {
		t.Errorf("networks %v: upstream disconnects the default bridge", info.NetworkSettings.Networks)
	}
	if got := plainOf(aState["networkMode"]); got != "bridge" {
		t.Errorf("networkMode reads back %v, want bridge", got)
	}
	if out, code := l.exec(b, "/sleeper", "resolve", "a-alias"); code != 0 {
		t.Errorf("b cannot resolve a's alias: %s", out)
	}
}

func TestLiveUploadsWrittenBeforeStart(t *testing.T) {
	l := newLive(t)
	id, _, _ := l.create(containerType, map[string]any{"name": l.name("app"), "image": l.image, "uploads": []any{
		map[string]any{"file": "/opt/run.sh", "content": "#!/bin/sh\n", "executable": true},
		map[string]any{"file": "/etc/conf/plain.txt", "contentBase64": "aGVsbG8="},
		map[string]any{"file": "/etc/conf/secret.txt", "content": "s", "permissions": "0600"},
	}})
	for file, want := range map[string]string{"/opt/run.sh": "744", "/etc/conf/plain.txt": "644", "/etc/conf/secret.txt": "600"} {
		if out, _ := l.exec(id, "/sleeper", "mode", file); strings.TrimSpace(out) != want {
			t.Errorf("%s has mode %q, upstream writes %s", file, strings.TrimSpace(out), want)
		}
	}
	if out, _ := l.exec(id, "/sleeper", "cat", "/etc/conf/plain.txt"); out != "hello" {
		t.Errorf("contentBase64 is written decoded, got %q", out)
	}
}

func TestLiveUpdateAppliesInPlace(t *testing.T) {
	c := loadConformance(t)
	l := newLive(t)
	program := map[string]any{"name": l.name("app"), "image": l.image, "restart": "no", "memory": 64}
	id, inputs, state := l.create(containerType, program)
	// Docker records swap = 2 x memory; upstream reads it back, so the same program now updates memorySwap.
	if got := plainOf(state["memorySwap"]); !plainEqual(got, 128) {
		t.Errorf("memorySwap reads back %v, Docker's default for memory 64 is 128", got)
	}
	if d := l.diff(containerType, inputs, state, program); !contains(d.GetDiffs(), "memorySwap") || len(d.GetReplaces()) > 0 {
		t.Errorf("upstream shows an in-place update of memorySwap; diffs %v replaces %v", d.GetDiffs(), d.GetReplaces())
	}
	changed := map[string]any{}
	for k, v := range program {
		changed[k] = v
	}
	want := map[string]any{}
	for prop, row := range c.Resources[containerType].Properties {
		if row.LiveUpdate != nil {
			for k, v := range row.LiveUpdate.Set {
				changed[k] = v
			}
			for k, v := range row.LiveUpdate.Read {
				want[k] = v
			}
			if row.AppliedBy != "docker update" {
				t.Errorf("%s: liveUpdate given for a property upstream does not apply", prop)
			}
		}
	}
	if d := l.diff(containerType, inputs, state, changed); len(d.GetReplaces()) > 0 {
		t.Fatalf("upstream updates %v in place; the stand-in replaces %v", d.GetDiffs(), d.GetReplaces())
	}
	newInputs, updated := l.update(containerType, id, inputs, state, changed)
	_, _, refreshed := l.read(containerType, id, newInputs, updated)
	if refreshed == nil {
		t.Fatal("the container is gone after the update")
	}
	for k, v := range want {
		if got := plainOf(refreshed[resource.PropertyKey(k)]); !plainEqual(got, v) {
			t.Errorf("after the update the container reports %s=%v, want %v", k, got, v)
		}
	}
	if info := l.inspect(id); info.HostConfig.RestartPolicy.Name != "always" || info.HostConfig.Memory != 96<<20 {
		t.Errorf("docker inspect: restart %q memory %d", info.HostConfig.RestartPolicy.Name, info.HostConfig.Memory)
	}
}

func TestLiveDeleteOfRemovedContainerFails(t *testing.T) {
	l := newLive(t)
	id, _, state := l.create(containerType, map[string]any{"name": l.name("app"), "image": l.image})
	l.api("DELETE", "/containers/"+id, url.Values{"force": {"1"}}, nil)
	err := l.delete(containerType, id, state)
	if err == nil || !strings.Contains(err.Error(), "Error stopping container") {
		t.Errorf("upstream's destroy fails on a container removed by hand (\"Error stopping container\"); got %v", err)
	}
}

func TestLiveNetworkReadAndRemovedByHand(t *testing.T) {
	l := newLive(t)
	id, inputs, state := l.create(networkType, map[string]any{"name": l.name("net"), "driver": "bridge",
		"labels": []any{map[string]any{"label": "b", "value": "2"}, map[string]any{"label": "a", "value": "1"}}})
	if got := plainOf(state["scope"]); got != "local" {
		t.Errorf("scope reads %v", got)
	}
	if d := l.diff(networkType, inputs, state, map[string]any{"name": l.name("net"), "driver": "bridge",
		"labels": []any{map[string]any{"label": "a", "value": "1"}, map[string]any{"label": "b", "value": "2"}}}); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("the same network previews changes: %v", d.GetDiffs())
	}
	l.api("DELETE", "/networks/"+id, nil, nil)
	if gone, _, _ := l.read(networkType, id, inputs, state); gone != "" {
		t.Errorf("refresh keeps a network removed by hand")
	}
	if err := l.delete(networkType, id, state); err != nil {
		t.Errorf("destroy of a removed network: %v", err)
	}
}

func TestLiveVolumeReadAndRemovedByHand(t *testing.T) {
	l := newLive(t)
	id, inputs, state := l.create(volumeType, map[string]any{"name": l.name("vol"),
		"labels": []any{map[string]any{"label": "lakehouse.keep", "value": "true"}}})
	if got := plainOf(state["mountpoint"]); got == "" || got == nil {
		t.Errorf("mountpoint is not reported")
	}
	if got := plainOf(state["driver"]); got != "local" {
		t.Errorf("driver reads %v", got)
	}
	l.api("DELETE", "/volumes/"+id, nil, nil)
	if gone, _, _ := l.read(volumeType, id, inputs, state); gone != "" {
		t.Errorf("refresh keeps a volume removed by hand")
	}
	if err := l.delete(volumeType, id, state); err != nil {
		t.Errorf("destroy of a removed volume: %v", err)
	}
}

func TestLiveRemoteImage(t *testing.T) {
	l := newLive(t)
	// An image of its own (one tag), so removing it touches nothing else.
	repo, tag := "lakehouse-standin-test/"+l.prefix, "v1"
	if err := importImage(l.ctx, sleeperTar, repo, tag, "ENV CONFORMANCE="+l.prefix); err != nil {
		t.Fatal(err)
	}
	name := repo + ":" + tag
	t.Cleanup(func() {
		_ = docker().do(context.Background(), "DELETE", "/images/"+url.PathEscape(name), url.Values{"force": {"1"}}, nil, nil)
	})
	info, err := inspectImage(l.ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	id, inputs, state := l.create(imageType, map[string]any{"name": name})
	if id != info.Id+name || plainOf(state["imageId"]) != info.Id {
		t.Errorf("ID %q imageId %v; upstream: the image ID plus the name", id, state["imageId"])
	}
	user, _, _ := l.create(containerType, map[string]any{"name": l.name("user"), "image": name})
	err = l.delete(imageType, id, state)
	if err == nil || !strings.Contains(err.Error(), "Unable to remove Docker image") {
		t.Errorf("upstream's destroy fails while a container uses the image; got %v", err)
	}
	keep := with(map[string]any{"name": name}, "keepLocally", true)
	_, kept := l.update(imageType, id, inputs, state, keep)
	if err := l.delete(imageType, id, kept); err != nil || !l.exists("/images/"+url.PathEscape(name)+"/json") {
		t.Errorf("keepLocally: destroy leaves the image (err %v)", err)
	}
	l.api("DELETE", "/containers/"+user, url.Values{"force": {"1"}}, nil)
	if err := l.delete(imageType, id, state); err != nil {
		t.Fatalf("destroy of an unused image: %v", err)
	}
	if gone, _, _ := l.read(imageType, id, inputs, state); gone != "" {
		t.Errorf("refresh keeps a removed image")
	}
	if err := l.delete(imageType, id, state); err != nil {
		t.Errorf("destroy of an image already removed: %v", err)
	}
	var notFound *apiError
	_, err = inspectImage(l.ctx, name)
	if !errors.As(err, &notFound) || notFound.Status != 404 {
		t.Errorf("the image is still there: %v", err)
	}
}
