package main

// The container as Docker reports it, and upstream's reading of it into the state
// (resource_docker_container_funcs.go resourceDockerContainerRead and the flatten* helpers in
// resource_docker_container_structures.go). What upstream does not read (envs, labels, volumes,
// uploads, networksAdvanced, wait, mustRun, destroyGraceSeconds, ...) keeps its state value.

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

type containerInfo struct {
	Id    string
	Name  string
	Image string
	State struct {
		Status     string
		Running    bool
		ExitCode   int
		FinishedAt string
		Health     *struct{ Status string }
	}
	Config struct {
		Hostname, Domainname, User, WorkingDir, Image, StopSignal string
		Tty, OpenStdin                                            bool
		Cmd, Entrypoint, Env                                      []string
		StopTimeout                                               *int
		Labels                                                    map[string]string
		Healthcheck                                               *struct {
			Test                                          []string
			Interval, Timeout, StartPeriod, StartInterval int64
			Retries                                       int
		}
	}
	HostConfig struct {
		AutoRemove, ReadonlyRootfs, PublishAllPorts, Privileged  bool
		Init                                                     *bool
		Dns, DnsOptions, DnsSearch, SecurityOpt, CapAdd, CapDrop []string
		ExtraHosts, GroupAdd                                     []string
		RestartPolicy                                            struct {
			Name              string
			MaximumRetryCount int
		}
		Runtime, CpusetCpus, NetworkMode, PidMode, UsernsMode, IpcMode      string
		Tmpfs, Sysctls, StorageOpt                                          map[string]string
		Memory, MemoryReservation, MemorySwap, ShmSize, NanoCpus, CpuShares int64
		LogConfig                                                           struct {
			Type   string
			Config map[string]string
		}
		Ulimits []struct {
			Name       string
			Soft, Hard int64
		}
		Devices []struct{ PathOnHost, PathInContainer, CgroupPermissions string }
		Mounts  []struct {
			Type, Source, Target string
			ReadOnly             bool
			BindOptions          *struct{ Propagation string }
			VolumeOptions        *struct {
				NoCopy       bool
				Labels       map[string]string
				DriverConfig *struct {
					Name    string
					Options map[string]string
				}
				Subpath string
			}
			TmpfsOptions *struct{ SizeBytes, Mode int64 }
		}
		DeviceRequests []any
	}
	NetworkSettings struct {
		Bridge   string
		Ports    map[string][]struct{ HostIp, HostPort string }
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

// readContainer overlays what upstream's Read sets on the state.
func readContainer(info *containerInfo, state resource.PropertyMap) resource.PropertyMap {
	c, h := info.Config, info.HostConfig
	const mib = 1024 * 1024
	read := map[string]any{
		"bridge": info.NetworkSettings.Bridge, "ports": flattenPorts(info), "networkDatas": networkDatas(info),
		"name": strings.TrimLeft(info.Name, "/"), "rm": h.AutoRemove, "readOnly": h.ReadonlyRootfs,
		"hostname": c.Hostname, "domainname": c.Domainname,
		"command": stringsOf(c.Cmd), "entrypoints": stringsOf(c.Entrypoint), "user": c.User,
		"dns": stringsOf(h.Dns), "dnsOpts": stringsOf(h.DnsOptions), "securityOpts": stringsOf(h.SecurityOpt),
		"dnsSearches": stringsOf(h.DnsSearch), "publishAllPorts": h.PublishAllPorts,
		"restart": h.RestartPolicy.Name, "maxRetryCount": h.RestartPolicy.MaximumRetryCount,
		"init": h.Init != nil && *h.Init, "workingDir": c.WorkingDir, "runtime": h.Runtime,
		"mounts": flattenMounts(info), "tmpfs": stringMap(h.Tmpfs), "hosts": flattenHosts(h.ExtraHosts),
		"ulimits": flattenUlimits(info), "privileged": h.Privileged, "devices": flattenDevices(info),
		"memory": h.Memory / mib, "shmSize": h.ShmSize / mib, "cpuShares": h.CpuShares, "cpuSet": h.CpusetCpus,
		"logDriver": h.LogConfig.Type, "logOpts": stringMap(h.LogConfig.Config), "storageOpts": stringMap(h.StorageOpt),
		"networkMode": h.NetworkMode, "pidMode": h.PidMode, "usernsMode": h.UsernsMode,
		"sysctls": stringMap(h.Sysctls), "ipcMode": h.IpcMode, "groupAdds": stringsOf(h.GroupAdd),
		"tty": c.Tty, "stdinOpen": c.OpenStdin, "stopSignal": c.StopSignal, "stopTimeout": 0,
	}
	// The image as the program gave it, unless it gave an image ID (upstream issue 426).
	if img, _ := state["image"]; img.IsString() && strings.HasPrefix(img.StringValue(), "sha256:") {
		read["image"] = info.Image
	} else {
		read["image"] = c.Image
	}
	if legacyNetworkMode(h.NetworkMode, state) {
		read["networkMode"] = "bridge"
	}
	if !info.State.Running {
		read["exitCode"] = info.State.ExitCode
	}
	if c.StopTimeout != nil {
		read["stopTimeout"] = *c.StopTimeout
	}
	if len(h.CapAdd) > 0 || len(h.CapDrop) > 0 {
		read["capabilities"] = map[string]any{"adds": stringsOf(h.CapAdd), "drops": stringsOf(h.CapDrop)}
	}
	read["memoryReservation"] = positiveMiB(h.MemoryReservation)
	read["memorySwap"] = positiveMiB(h.MemorySwap)
	if h.NanoCpus > 0 {
		read["cpus"] = strconv.FormatFloat(float64(h.NanoCpus)/1e9, 'f', -1, 64)
	}
	if hc := c.Healthcheck; hc != nil {
		// Go's Duration.String(): 120 s reads back as "2m0s".
		read["healthcheck"] = map[string]any{
			"tests": stringsOf(hc.Test), "interval": time.Duration(hc.Interval).String(),
			"timeout": time.Duration(hc.Timeout).String(), "startPeriod": time.Duration(hc.StartPeriod).String(),
			"startInterval": time.Duration(hc.StartInterval).String(), "retries": hc.Retries,
		}
	}
	if len(h.DeviceRequests) > 0 {
		read["gpus"] = "all"
	}
	return withState(state, read)
}

// positiveMiB: upstream converts memory_reservation and memory_swap to MiB only when positive.
func positiveMiB(b int64) int64 {
	if b > 0 {
		return b / 1024 / 1024
	}
	return b
}

// flattenPorts is upstream's flattenContainerPorts: one entry per host binding, by container port.
func flattenPorts(info *containerInfo) []any {
	keys := make([]string, 0, len(info.NetworkSettings.Ports))
	for k := range info.NetworkSettings.Ports {
		keys = append(keys, k)
	}
	port := func(k string) int { n, _ := strconv.Atoi(strings.Split(k, "/")[0]); return n }
	sort.SliceStable(keys, func(i, j int) bool {
		if port(keys[i]) != port(keys[j]) {
			return port(keys[i]) < port(keys[j])
		}
		return keys[i] < keys[j]
	})
	out := []any{}
	for _, k := range keys {
		proto := "tcp"
		if parts := strings.Split(k, "/"); len(parts) > 1 {
			proto = parts[1]
		}
		for _, b := range info.NetworkSettings.Ports[k] {
			external, _ := strconv.Atoi(b.HostPort)
			out = append(out, map[string]any{"internal": port(k), "external": external, "ip": b.HostIp, "protocol": proto})
		}
	}
	return out
}

func networkDatas(info *containerInfo) []any {
	names := make([]string, 0, len(info.NetworkSettings.Networks))
	for n := range info.NetworkSettings.Networks {
		names = append(names, n)
	}
	sort.Strings(names)
	out := []any{}
	for _, n := range names {
		d := info.NetworkSettings.Networks[n]
		out = append(out, map[string]any{
			"networkName": n, "ipAddress": d.IPAddress, "ipPrefixLength": d.IPPrefixLen, "gateway": d.Gateway,
			"macAddress": d.MacAddress, "globalIpv6Address": d.GlobalIPv6Address,
			"globalIpv6PrefixLength": d.GlobalIPv6PrefixLen, "ipv6Gateway": d.IPv6Gateway,
		})
	}
	return out
}

func flattenHosts(in []string) []any {
	out := []any{}
	for _, h := range in {
		parts := strings.SplitN(h, ":", 2)
		if len(parts) == 2 {
			out = append(out, map[string]any{"host": parts[0], "ip": parts[1]})
		}
	}
	return out
}

func flattenUlimits(info *containerInfo) []any {
	out := []any{}
	for _, u := range info.HostConfig.Ulimits {
		out = append(out, map[string]any{"name": u.Name, "soft": u.Soft, "hard": u.Hard})
	}
	return out
}

func flattenDevices(info *containerInfo) []any {
	out := []any{}
	for _, d := range info.HostConfig.Devices {
		out = append(out, map[string]any{"hostPath": d.PathOnHost, "containerPath": d.PathInContainer, "permissions": d.CgroupPermissions})
	}
	return out
}

// flattenMounts is upstream's getDockerContainerMounts (HostConfig.Mounts; binds are not read back).
func flattenMounts(info *containerInfo) []any {
	out := []any{}
	for _, m := range info.HostConfig.Mounts {
		e := map[string]any{"target": m.Target, "source": m.Source, "type": m.Type, "readOnly": m.ReadOnly}
		if m.BindOptions != nil {
			e["bindOptions"] = map[string]any{"propagation": m.BindOptions.Propagation}
		}
		if v := m.VolumeOptions; v != nil {
			opt := map[string]any{"noCopy": v.NoCopy, "labels": labelSet(v.Labels)}
			if v.DriverConfig != nil {
				opt["driverName"] = v.DriverConfig.Name
				opt["driverOptions"] = stringMap(v.DriverConfig.Options)
			}
			if v.Subpath != "" {
				opt["subpath"] = v.Subpath
			}
			e["volumeOptions"] = opt
		}
		if m.TmpfsOptions != nil {
			e["tmpfsOptions"] = map[string]any{"sizeBytes": m.TmpfsOptions.SizeBytes, "mode": m.TmpfsOptions.Mode}
		}
		out = append(out, e)
	}
	return out
}

// legacyNetworkMode: the stand-in before it followed upstream created containers directly on their
// first networksAdvanced network (NetworkMode = that name), where upstream creates them on bridge and
// moves them. Such a container reads as bridge, so upgrading the plugin does not replace it; upstream
// itself never produces one (an explicit networkMode would be in the state).
func legacyNetworkMode(live string, state resource.PropertyMap) bool {
	if m, ok := state["networkMode"]; ok && !(m.IsString() && m.StringValue() == "bridge") {
		return false
	}
	nets, _ := state["networksAdvanced"]
	if nets.IsSecret() {
		nets = nets.SecretValue().Element
	}
	if !nets.IsArray() {
		return false
	}
	for _, n := range nets.ArrayValue() {
		if n.IsObject() {
			if name, ok := n.ObjectValue()["name"]; ok && name.IsString() && name.StringValue() == live {
				return true
			}
		}
	}
	return false
}
