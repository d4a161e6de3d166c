// Command pulumi-resource-docker is the lakehouse's stand-in for the pulumi-docker provider.
//
// The reachable Go module proxy serves neither github.com/pulumi/pulumi-docker/provider/v4 nor the
// kreuzwerker Terraform provider it bridges, so this plugin talks to the Docker Engine API itself
// (unix socket or plain tcp, API 1.41) and implements, under @pulumi/docker 4.11.2's tokens and
// property names, the resources this project uses:
//
//   - docker:index/network:Network   name, driver, attachable, internal, ipv6, labels, options, ipamConfigs
//   - docker:index/volume:Volume     name, driver, driverOpts, labels
//   - docker:index/remoteImage:RemoteImage  a local image by name (never pulls: offline), keepLocally
//   - docker:index/container:Container  see containerSpec below; wait/waitTimeout, mustRun, uploads
//
// Any input change replaces the resource (as most docker_container inputs do upstream), except
// RemoteImage.keepLocally and Container.destroyGraceSeconds/removeVolumes, which update in place.
package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

var version = "4.11.2"

var client *dockerClient

func main() {
	lhp.Main(&lhp.Provider{
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
	})
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

// replaceAll: every changed key forces a replacement, except those in inPlace.
func replaceAll(oldInputs, news resource.PropertyMap, inPlace ...string) (replaces, updates []string) {
	for _, k := range lhp.ChangedKeys(oldInputs, news) {
		isInPlace := false
		for _, ip := range inPlace {
			if k == ip {
				isInPlace = true
			}
		}
		if isInPlace {
			updates = append(updates, k)
		} else {
			replaces = append(replaces, k)
		}
	}
	return replaces, updates
}

func labelMap(a lhp.Args) map[string]string {
	out := map[string]string{}
	for _, l := range a.Objects("labels") {
		out[l.Str("label", "")] = l.Str("value", "")
	}
	return out
}

func withOuts(inputs resource.PropertyMap, kv map[string]any) resource.PropertyMap {
	outs := lhp.Copy(inputs)
	for k, v := range kv {
		outs[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
	}
	return outs
}

func retry(ctx context.Context, tries int, f func() error) error {
	var err error
	for i := 0; i < tries; i++ {
		if err = f(); err == nil || !isStatus(err, 409) && !isStatus(err, 500) && !isStatus(err, 403) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
	return err
}

// ---- Network ----

type network struct{}

func (network) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	return lhp.KeepOrAutoName(a, "name"), nil, nil
}

func (network) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	return replaceAll(oldInputs, news)
}

func (network) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	body := map[string]any{
		"Name": a.Str("name", ""), "CheckDuplicate": true, "Driver": a.Str("driver", "bridge"),
		"Internal": a.Bool("internal", false), "Attachable": a.Bool("attachable", false),
		"Ingress": a.Bool("ingress", false), "EnableIPv6": a.Bool("ipv6", false),
		"Options": a.StringMap("options"), "Labels": labelMap(a),
	}
	if ipam := a.Objects("ipamConfigs"); len(ipam) > 0 {
		var cfgs []map[string]any
		for _, c := range ipam {
			cfgs = append(cfgs, map[string]any{"Subnet": c.Str("subnet", ""), "IPRange": c.Str("ipRange", ""),
				"Gateway": c.Str("gateway", ""), "AuxiliaryAddresses": c.StringMap("auxAddress")})
		}
		body["IPAM"] = map[string]any{"Driver": a.Str("ipamDriver", "default"), "Config": cfgs}
	}
	var res struct{ Id string }
	if err := docker().do(ctx, "POST", "/networks/create", nil, body, &res); err != nil {
		return "", nil, fmt.Errorf("creating network %s: %w", a.Str("name", ""), err)
	}
	var info struct {
		Scope  string
		Driver string
	}
	_ = docker().do(ctx, "GET", "/networks/"+res.Id, nil, nil, &info)
	return res.Id, withOuts(news, map[string]any{"scope": info.Scope, "driver": info.Driver}), nil
}

func (network) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	return withOuts(news, nil), nil
}

func (network) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	err := docker().do(ctx, "GET", "/networks/"+id, nil, nil, nil)
	if isStatus(err, 404) {
		return nil, false, nil
	}
	return state, err == nil, err
}

func (network) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	err := retry(ctx, 30, func() error { return docker().do(ctx, "DELETE", "/networks/"+id, nil, nil, nil) })
	if isStatus(err, 404) {
		return nil
	}
	return err
}

// ---- Volume ----

type volume struct{}

func (volume) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	return a.News, nil, nil
}

func (volume) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	return replaceAll(oldInputs, news)
}

func (volume) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	body := map[string]any{"Name": a.Str("name", ""), "Driver": a.Str("driver", "local"),
		"DriverOpts": a.StringMap("driverOpts"), "Labels": labelMap(a)}
	var res struct{ Name, Driver, Mountpoint string }
	if err := docker().do(ctx, "POST", "/volumes/create", nil, body, &res); err != nil {
		return "", nil, fmt.Errorf("creating volume %s: %w", a.Str("name", ""), err)
	}
	return res.Name, withOuts(news, map[string]any{"name": res.Name, "driver": res.Driver, "mountpoint": res.Mountpoint}), nil
}

func (volume) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	return withOuts(news, nil), nil
}

func (volume) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	err := docker().do(ctx, "GET", "/volumes/"+id, nil, nil, nil)
	if isStatus(err, 404) {
		return nil, false, nil
	}
	return state, err == nil, err
}

func (volume) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	err := retry(ctx, 30, func() error { return docker().do(ctx, "DELETE", "/volumes/"+id, nil, nil, nil) })
	if isStatus(err, 404) {
		return nil
	}
	return err
}

// ---- RemoteImage (local lookup only) ----

type remoteImage struct{}

func (remoteImage) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	var failures []*pulumirpc.CheckFailure
	if v, ok := a.News["build"]; ok && !v.IsNull() {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "build",
			Reason: "building is not supported by the lakehouse stand-in docker provider: build with scripts/images.sh"})
	}
	return a.News, failures, nil
}

func (remoteImage) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	return replaceAll(oldInputs, news, "keepLocally", "forceRemove")
}

func inspectImage(ctx context.Context, name string) (map[string]any, error) {
	var info map[string]any
	err := docker().do(ctx, "GET", "/images/"+url.PathEscape(name)+"/json", nil, nil, &info)
	return info, err
}

func (remoteImage) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	name := a.Str("name", "")
	info, err := inspectImage(ctx, name)
	if isStatus(err, 404) {
		return "", nil, fmt.Errorf("image %s is not present locally, and this offline provider never pulls: "+
			"build or load it first (scripts/images.sh)", name)
	}
	if err != nil {
		return "", nil, err
	}
	imageID, _ := info["Id"].(string)
	digest := ""
	if ds, ok := info["RepoDigests"].([]any); ok && len(ds) > 0 {
		digest, _ = ds[0].(string)
	}
	return imageID + name, withOuts(news, map[string]any{"imageId": imageID, "repoDigest": digest}), nil
}

func (remoteImage) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	outs := withOuts(news, nil)
	for _, k := range []resource.PropertyKey{"imageId", "repoDigest"} {
		outs[k] = olds[k]
	}
	return outs, nil
}

func (remoteImage) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	_, err := inspectImage(ctx, lhp.PlainMap(state).Str("name", ""))
	if isStatus(err, 404) {
		return nil, false, nil
	}
	return state, err == nil, err
}

func (remoteImage) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	a := lhp.PlainMap(state)
	if a.Bool("keepLocally", false) {
		return nil
	}
	q := url.Values{"force": {strconv.FormatBool(a.Bool("forceRemove", false))}}
	err := docker().do(ctx, "DELETE", "/images/"+url.PathEscape(a.Str("name", "")), q, nil, nil)
	if isStatus(err, 404) || isStatus(err, 409) {
		return nil // gone already, or still used by a container: keep it, like upstream without forceRemove
	}
	return err
}

// ---- Container ----

type container struct{}

func (container) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	var failures []*pulumirpc.CheckFailure
	if v, ok := a.News["image"]; !ok || v.IsNull() {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "image", Reason: "image is required"})
	}
	return lhp.KeepOrAutoName(a, "name"), failures, nil
}

func (container) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	return replaceAll(oldInputs, news, "destroyGraceSeconds", "removeVolumes")
}

func duration(s string) int64 {
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0
	}
	return int64(d)
}

// containerSpec maps @pulumi/docker Container inputs onto the Engine API's create body.
func containerSpec(a lhp.Args) (map[string]any, []lhp.Args, error) {
	cfg := map[string]any{
		"Image": a.Str("image", ""), "Labels": labelMap(a),
		"Tty": a.Bool("tty", false), "OpenStdin": a.Bool("stdinOpen", false),
	}
	if v := a.Strings("command"); len(v) > 0 {
		cfg["Cmd"] = v
	}
	if v := a.Strings("entrypoints"); len(v) > 0 {
		cfg["Entrypoint"] = v
	}
	if v := a.Strings("envs"); len(v) > 0 {
		sort.Strings(v)
		cfg["Env"] = v
	}
	for k, key := range map[string]string{"hostname": "Hostname", "domainname": "Domainname", "user": "User",
		"workingDir": "WorkingDir", "stopSignal": "StopSignal"} {
		if v := a.Str(k, ""); v != "" {
			cfg[key] = v
		}
	}
	if v := a.Num("stopTimeout", 0); v > 0 {
		cfg["StopTimeout"] = int(v)
	}
	if hc := a.Object("healthcheck"); hc != nil {
		cfg["Healthcheck"] = map[string]any{
			"Test": hc.Strings("tests"), "Interval": duration(hc.Str("interval", "")),
			"Timeout": duration(hc.Str("timeout", "")), "StartPeriod": duration(hc.Str("startPeriod", "")),
			"Retries": int(hc.Num("retries", 0)),
		}
	}
	host := map[string]any{
		"Privileged": a.Bool("privileged", false), "ReadonlyRootfs": a.Bool("readOnly", false),
		"PublishAllPorts": a.Bool("publishAllPorts", false),
	}
	if r := a.Str("restart", "no"); r != "" {
		host["RestartPolicy"] = map[string]any{"Name": r, "MaximumRetryCount": int(a.Num("maxRetryCount", 0))}
	}
	exposed, bindings := map[string]any{}, map[string][]map[string]string{}
	for _, p := range a.Objects("ports") {
		key := fmt.Sprintf("%d/%s", int(p.Num("internal", 0)), p.Str("protocol", "tcp"))
		exposed[key] = map[string]any{}
		hostPort := ""
		if e := p.Num("external", 0); e > 0 {
			hostPort = strconv.Itoa(int(e))
		}
		bindings[key] = append(bindings[key], map[string]string{"HostIp": p.Str("ip", "0.0.0.0"), "HostPort": hostPort})
	}
	if len(exposed) > 0 {
		cfg["ExposedPorts"] = exposed
		host["PortBindings"] = bindings
	}
	var binds, volumesFrom []string
	anon := map[string]any{}
	for _, v := range a.Objects("volumes") {
		src := v.Str("hostPath", v.Str("volumeName", ""))
		if f := v.Str("fromContainer", ""); f != "" {
			volumesFrom = append(volumesFrom, f)
			continue
		}
		if src == "" {
			anon[v.Str("containerPath", "")] = map[string]any{}
			continue
		}
		b := src + ":" + v.Str("containerPath", "")
		if v.Bool("readOnly", false) {
			b += ":ro"
		}
		binds = append(binds, b)
	}
	if len(binds) > 0 {
		host["Binds"] = binds
	}
	if len(volumesFrom) > 0 {
		host["VolumesFrom"] = volumesFrom
	}
	if len(anon) > 0 {
		cfg["Volumes"] = anon
	}
	var mounts []map[string]any
	for _, m := range a.Objects("mounts") {
		mounts = append(mounts, map[string]any{"Target": m.Str("target", ""), "Source": m.Str("source", ""),
			"Type": m.Str("type", "volume"), "ReadOnly": m.Bool("readOnly", false)})
	}
	if len(mounts) > 0 {
		host["Mounts"] = mounts
	}
	if tm := a.StringMap("tmpfs"); len(tm) > 0 {
		host["Tmpfs"] = tm
	}
	var extraHosts []string
	for _, h := range a.Objects("hosts") {
		extraHosts = append(extraHosts, h.Str("host", "")+":"+h.Str("ip", ""))
	}
	if len(extraHosts) > 0 {
		host["ExtraHosts"] = extraHosts
	}
	if v := a.Strings("dns"); len(v) > 0 {
		host["Dns"] = v
	}
	if v := a.Num("memory", 0); v > 0 {
		host["Memory"] = int64(v) * 1024 * 1024
	}
	if v := a.Num("memorySwap", 0); v != 0 {
		host["MemorySwap"] = int64(v) * 1024 * 1024
	}
	if v := a.Num("shmSize", 0); v > 0 {
		host["ShmSize"] = int64(v) * 1024 * 1024
	}
	if v := a.Str("logDriver", ""); v != "" {
		host["LogConfig"] = map[string]any{"Type": v, "Config": a.StringMap("logOpts")}
	}
	if a.Bool("init", false) {
		host["Init"] = true
	}
	if caps := a.Object("capabilities"); caps != nil {
		host["CapAdd"], host["CapDrop"] = caps.Strings("adds"), caps.Strings("drops")
	}
	if v := a.StringMap("sysctls"); len(v) > 0 {
		host["Sysctls"] = v
	}
	var ulimits []map[string]any
	for _, u := range a.Objects("ulimits") {
		ulimits = append(ulimits, map[string]any{"Name": u.Str("name", ""), "Soft": int64(u.Num("soft", 0)), "Hard": int64(u.Num("hard", 0))})
	}
	if len(ulimits) > 0 {
		host["Ulimits"] = ulimits
	}
	for k, key := range map[string]string{"ipcMode": "IpcMode", "pidMode": "PidMode", "runtime": "Runtime", "usernsMode": "UsernsMode"} {
		if v := a.Str(k, ""); v != "" {
			host[key] = v
		}
	}
	if v := a.Strings("groupAdds"); len(v) > 0 {
		host["GroupAdd"] = v
	}
	if v := a.Strings("securityOpts"); len(v) > 0 {
		host["SecurityOpt"] = v
	}
	nets := a.Objects("networksAdvanced")
	switch {
	case a.Str("networkMode", "") != "":
		host["NetworkMode"] = a.Str("networkMode", "")
	case len(nets) > 0:
		host["NetworkMode"] = nets[0].Str("name", "")
	}
	body := map[string]any{}
	for k, v := range cfg {
		body[k] = v
	}
	body["HostConfig"] = host
	if len(nets) > 0 {
		body["NetworkingConfig"] = map[string]any{"EndpointsConfig": map[string]any{nets[0].Str("name", ""): endpoint(nets[0])}}
	}
	return body, nets, nil
}

func endpoint(n lhp.Args) map[string]any {
	ep := map[string]any{"Aliases": n.Strings("aliases")}
	ipam := map[string]any{}
	if v := n.Str("ipv4Address", ""); v != "" {
		ipam["IPv4Address"] = v
	}
	if v := n.Str("ipv6Address", ""); v != "" {
		ipam["IPv6Address"] = v
	}
	if len(ipam) > 0 {
		ep["IPAMConfig"] = ipam
	}
	return ep
}

type containerInfo struct {
	Id    string
	Name  string
	Image string
	State struct {
		Status   string
		Running  bool
		ExitCode int
		Health   *struct{ Status string }
	}
	NetworkSettings struct {
		Bridge   string
		Networks map[string]struct {
			IPAddress           string
			IPPrefixLen         int
			Gateway             string
			MacAddress          string
			GlobalIPv6Address   string
			GlobalIPv6PrefixLen int
			IPv6Gateway         string
		}
	}
}

func inspect(ctx context.Context, id string) (*containerInfo, error) {
	var info containerInfo
	err := docker().do(ctx, "GET", "/containers/"+id+"/json", nil, nil, &info)
	return &info, err
}

func logsTail(ctx context.Context, id string) string {
	var raw []byte
	_ = docker().do(ctx, "GET", "/containers/"+id+"/logs", url.Values{"stdout": {"1"}, "stderr": {"1"}, "tail": {"30"}}, nil, &raw)
	return demux(raw)
}

func removeContainer(ctx context.Context, id string, grace int, volumes bool) error {
	if grace > 0 {
		_ = docker().do(ctx, "POST", "/containers/"+id+"/stop", url.Values{"t": {strconv.Itoa(grace)}}, nil, nil)
	}
	err := docker().do(ctx, "DELETE", "/containers/"+id, url.Values{"force": {"1"}, "v": {strconv.FormatBool(volumes)}}, nil, nil)
	if isStatus(err, 404) {
		return nil
	}
	if isStatus(err, 409) { // removal already in progress
		for i := 0; i < 60; i++ {
			if _, err := inspect(ctx, id); isStatus(err, 404) {
				return nil
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	return err
}

func (c container) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	name := a.Str("name", "")
	body, nets, err := containerSpec(a)
	if err != nil {
		return "", nil, err
	}
	var res struct{ Id string }
	if err := docker().do(ctx, "POST", "/containers/create", url.Values{"name": {name}}, body, &res); err != nil {
		return "", nil, fmt.Errorf("creating container %s: %w", name, err)
	}
	id := res.Id
	fail := func(err error) (string, resource.PropertyMap, error) {
		logs := logsTail(context.Background(), id)
		_ = removeContainer(context.Background(), id, 0, true)
		if logs != "" {
			err = fmt.Errorf("%w\nlast container logs:\n%s", err, logs)
		}
		return "", nil, fmt.Errorf("container %s: %w", name, err)
	}
	for _, n := range nets[min(1, len(nets)):] {
		if err := docker().do(ctx, "POST", "/networks/"+url.PathEscape(n.Str("name", ""))+"/connect", nil,
			map[string]any{"Container": id, "EndpointConfig": endpoint(n)}, nil); err != nil {
			return fail(fmt.Errorf("connecting network %s: %w", n.Str("name", ""), err))
		}
	}
	var files []tarFile
	for _, u := range a.Objects("uploads") {
		content := []byte(u.Str("content", ""))
		if b64 := u.Str("contentBase64", ""); b64 != "" {
			if content, err = base64.StdEncoding.DecodeString(b64); err != nil {
				return fail(fmt.Errorf("uploads %s: contentBase64: %w", u.Str("file", ""), err))
			}
		}
		if src := u.Str("source", ""); src != "" {
			if content, err = os.ReadFile(src); err != nil {
				return fail(fmt.Errorf("uploads %s: %w", u.Str("file", ""), err))
			}
		}
		mode := int64(0o644)
		if u.Bool("executable", false) {
			mode = 0o755
		}
		if p := u.Str("permissions", ""); p != "" {
			if m, err := strconv.ParseInt(p, 8, 64); err == nil {
				mode = m
			}
		}
		files = append(files, tarFile{Path: u.Str("file", ""), Content: content, Mode: mode})
	}
	if len(files) > 0 {
		tarball, err := tarFiles(files)
		if err != nil {
			return fail(err)
		}
		if err := docker().do(ctx, "PUT", "/containers/"+id+"/archive", url.Values{"path": {"/"}}, tarball, nil); err != nil {
			return fail(fmt.Errorf("uploading files: %w", err))
		}
	}
	exitCode := 0
	logs := ""
	if a.Bool("start", true) {
		if err := docker().do(ctx, "POST", "/containers/"+id+"/start", nil, nil, nil); err != nil {
			return fail(fmt.Errorf("starting: %w", err))
		}
		switch {
		case a.Bool("attach", false):
			var w struct{ StatusCode int }
			if err := docker().do(ctx, "POST", "/containers/"+id+"/wait", nil, nil, &w); err != nil {
				return fail(err)
			}
			exitCode = w.StatusCode
			if a.Bool("logs", false) {
				logs = logsTail(ctx, id)
			}
		case a.Bool("wait", false):
			timeout := time.Duration(a.Num("waitTimeout", 60)) * time.Second
			deadline := time.Now().Add(timeout)
			for {
				info, err := inspect(ctx, id)
				if err != nil {
					return fail(err)
				}
				if info.State.Health == nil {
					return fail(fmt.Errorf("wait: true needs a healthcheck (in the image or in `healthcheck`)"))
				}
				if info.State.Health.Status == "healthy" {
					break
				}
				if !info.State.Running && info.State.Status != "restarting" && info.State.Status != "created" {
					return fail(fmt.Errorf("exited with code %d while waiting to become healthy", info.State.ExitCode))
				}
				if time.Now().After(deadline) {
					return fail(fmt.Errorf("not healthy after %s (health: %s)", timeout, info.State.Health.Status))
				}
				select {
				case <-ctx.Done():
					return fail(ctx.Err())
				case <-time.After(500 * time.Millisecond):
				}
			}
		case a.Bool("mustRun", true):
			time.Sleep(500 * time.Millisecond)
			info, err := inspect(ctx, id)
			if err != nil {
				return fail(err)
			}
			if !info.State.Running {
				return fail(fmt.Errorf("is not running (exit code %d)", info.State.ExitCode))
			}
		}
	}
	info, err := inspect(ctx, id)
	if err != nil {
		return fail(err)
	}
	outs := withOuts(news, map[string]any{"name": strings.TrimPrefix(info.Name, "/"), "bridge": info.NetworkSettings.Bridge})
	outs["networkDatas"] = networkDatas(info)
	if a.Bool("attach", false) {
		outs["exitCode"] = resource.NewNumberProperty(float64(exitCode))
		if a.Bool("logs", false) {
			outs["containerLogs"] = resource.NewStringProperty(logs)
		}
	}
	if a.Bool("rm", false) && a.Bool("attach", false) {
		_ = removeContainer(ctx, id, 0, true)
	}
	return id, outs, nil
}

func networkDatas(info *containerInfo) resource.PropertyValue {
	names := make([]string, 0, len(info.NetworkSettings.Networks))
	for n := range info.NetworkSettings.Networks {
		names = append(names, n)
	}
	sort.Strings(names)
	var arr []resource.PropertyValue
	for _, n := range names {
		d := info.NetworkSettings.Networks[n]
		arr = append(arr, resource.NewObjectProperty(resource.NewPropertyMapFromMap(map[string]any{
			"networkName": n, "ipAddress": d.IPAddress, "ipPrefixLength": d.IPPrefixLen, "gateway": d.Gateway,
			"macAddress": d.MacAddress, "globalIpv6Address": d.GlobalIPv6Address,
			"globalIpv6PrefixLength": d.GlobalIPv6PrefixLen, "ipv6Gateway": d.IPv6Gateway,
		})))
	}
	return resource.NewArrayProperty(arr)
}

func (container) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	outs := lhp.Copy(olds)
	for k, v := range news {
		outs[k] = v
	}
	return outs, nil
}

func (container) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	info, err := inspect(ctx, id)
	if isStatus(err, 404) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	outs := lhp.Copy(state)
	outs["networkDatas"] = networkDatas(info)
	return outs, true, nil
}

func (container) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	a := lhp.PlainMap(state)
	if a.Bool("rm", false) && a.Bool("attach", false) {
		return nil
	}
	return removeContainer(ctx, id, int(a.Num("destroyGraceSeconds", 0)), a.Bool("removeVolumes", true))
}
