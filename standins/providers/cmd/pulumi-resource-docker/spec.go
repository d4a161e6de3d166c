package main

// The Engine API create body for a Container's inputs, as upstream's resourceDockerContainerCreate
// builds it (container.Config and container.HostConfig; networks are connected after the create).

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

func containerSpec(a lhp.Args) (map[string]any, error) {
	cfg := map[string]any{
		"Image": a.Str("image", ""), "Hostname": a.Str("hostname", ""), "Domainname": a.Str("domainname", ""),
		"Tty": a.Bool("tty", false), "OpenStdin": a.Bool("stdinOpen", false), "StopSignal": a.Str("stopSignal", ""),
	}
	if _, ok := a["stopTimeout"]; ok {
		cfg["StopTimeout"] = int(a.Num("stopTimeout", 0))
	}
	if v := a.Strings("envs"); len(v) > 0 {
		cfg["Env"] = v
	}
	if cmd := a.List("command"); len(cmd) > 0 {
		for _, v := range cmd {
			if s, _ := v.(string); s == "" {
				return nil, errEmptyCommand
			}
		}
		cfg["Cmd"] = a.Strings("command")
	}
	if _, ok := a["entrypoints"]; ok && len(a.List("entrypoints")) > 0 {
		cfg["Entrypoint"] = plainStrings(a.List("entrypoints"))
	}
	if v := a.Str("user", ""); v != "" {
		cfg["User"] = v
	}
	if v := a.Str("workingDir", ""); v != "" {
		cfg["WorkingDir"] = v
	}
	host := map[string]any{
		"Privileged": a.Bool("privileged", false), "PublishAllPorts": a.Bool("publishAllPorts", false),
		"RestartPolicy": map[string]any{"Name": a.Str("restart", "no"), "MaximumRetryCount": int(a.Num("maxRetryCount", 0))},
		"Runtime":       a.Str("runtime", ""), "AutoRemove": a.Bool("rm", false), "ReadonlyRootfs": a.Bool("readOnly", false),
		"LogConfig":   map[string]any{"Type": a.Str("logDriver", ""), "Config": a.StringMap("logOpts")},
		"NetworkMode": a.Str("networkMode", "bridge"), "Init": a.Bool("init", false),
	}
	if ports := a.Objects("ports"); len(ports) > 0 {
		exposed, bindings := map[string]any{}, map[string][]map[string]string{}
		for _, p := range ports {
			key := fmt.Sprintf("%d/%s", int(p.Num("internal", 0)), p.Str("protocol", "tcp"))
			exposed[key] = map[string]any{}
			bindings[key] = append(bindings[key], map[string]string{
				"HostIp": p.Str("ip", "0.0.0.0"), "HostPort": strconv.Itoa(int(p.Num("external", 0)))})
		}
		cfg["ExposedPorts"] = exposed
		host["PortBindings"] = bindings
	}
	anon, binds, volumesFrom, err := volumeBinds(a.Objects("volumes"))
	if err != nil {
		return nil, fmt.Errorf("Unable to parse volumes: %w", err)
	}
	if len(anon) > 0 {
		cfg["Volumes"] = anon
	}
	if len(binds) > 0 {
		host["Binds"] = binds
	}
	if len(volumesFrom) > 0 {
		host["VolumesFrom"] = volumesFrom
	}
	if l := labelMap(a); len(l) > 0 {
		cfg["Labels"] = l
	}
	if hc := a.Object("healthcheck"); hc != nil {
		cfg["Healthcheck"] = map[string]any{
			"Test": hc.Strings("tests"), "Interval": duration(hc.Str("interval", "")),
			"Timeout": duration(hc.Str("timeout", "")), "StartPeriod": duration(hc.Str("startPeriod", "")),
			"StartInterval": duration(hc.Str("startInterval", "")), "Retries": int(hc.Num("retries", 0)),
		}
	}
	var mounts []map[string]any
	for _, m := range a.Objects("mounts") {
		mount := map[string]any{"Target": m.Str("target", ""), "Source": m.Str("source", ""),
			"Type": m.Str("type", ""), "ReadOnly": m.Bool("readOnly", false)}
		switch m.Str("type", "") {
		case "bind":
			if o := m.Object("bindOptions"); o != nil {
				mount["BindOptions"] = map[string]any{"Propagation": o.Str("propagation", "")}
			}
		case "volume":
			if o := m.Object("volumeOptions"); o != nil {
				vo := map[string]any{"NoCopy": o.Bool("noCopy", false), "Labels": labelMap(o)}
				if o.Str("driverName", "") != "" || len(o.StringMap("driverOptions")) > 0 {
					vo["DriverConfig"] = map[string]any{"Name": o.Str("driverName", ""), "Options": o.StringMap("driverOptions")}
				}
				if o.Str("subpath", "") != "" {
					return nil, errors.New("Setting VolumeOptions.Subpath requires docker version 1.45 or higher")
				}
				mount["VolumeOptions"] = vo
			}
		case "tmpfs":
			if o := m.Object("tmpfsOptions"); o != nil {
				mount["TmpfsOptions"] = map[string]any{"SizeBytes": int64(o.Num("sizeBytes", 0)), "Mode": int64(o.Num("mode", 0))}
			}
		}
		mounts = append(mounts, mount)
	}
	host["Mounts"] = mounts
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
	var ulimits []map[string]any
	for _, u := range a.Objects("ulimits") {
		ulimits = append(ulimits, map[string]any{"Name": u.Str("name", ""), "Soft": int64(u.Num("soft", 0)), "Hard": int64(u.Num("hard", 0))})
	}
	if len(ulimits) > 0 {
		host["Ulimits"] = ulimits
	}
	if caps := a.Object("capabilities"); caps != nil {
		host["CapAdd"], host["CapDrop"] = caps.Strings("adds"), caps.Strings("drops")
	}
	var devices []map[string]string
	for _, d := range a.Objects("devices") {
		hostPath, containerPath, perms := d.Str("hostPath", ""), d.Str("containerPath", ""), d.Str("permissions", "")
		if containerPath == "" {
			containerPath, perms = hostPath, "rwm"
		} else if perms == "" {
			perms = "rwm"
		}
		devices = append(devices, map[string]string{"PathOnHost": hostPath, "PathInContainer": containerPath, "CgroupPermissions": perms})
	}
	if len(devices) > 0 {
		host["Devices"] = devices
	}
	for k, key := range map[string]string{"dns": "Dns", "dnsOpts": "DnsOptions", "dnsSearches": "DnsSearch",
		"securityOpts": "SecurityOpt", "groupAdds": "GroupAdd"} {
		if v := a.Strings(k); len(v) > 0 {
			host[key] = v
		}
	}
	const mib = 1024 * 1024
	if v := int64(a.Num("memory", 0)); v > 0 {
		host["Memory"] = v * mib
	}
	if v := int64(a.Num("memoryReservation", 0)); v > 0 {
		host["MemoryReservation"] = v * mib
	}
	if v := int64(a.Num("memorySwap", 0)); v != 0 {
		if v > 0 {
			v *= mib
		}
		host["MemorySwap"] = v
	}
	if v := int64(a.Num("shmSize", 0)); v > 0 {
		host["ShmSize"] = v * mib
	}
	if v := a.Str("cpus", ""); v != "" {
		cpus, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("Error setting cpus: %w", err)
		}
		host["NanoCpus"] = int64(cpus * 1e9)
	} else {
		if v := int64(a.Num("cpuPeriod", 0)); v > 0 {
			host["CpuPeriod"] = v
		}
		if v := int64(a.Num("cpuQuota", 0)); v > 0 {
			host["CpuQuota"] = v
		}
	}
	if v := int64(a.Num("cpuShares", 0)); v > 0 {
		host["CpuShares"] = v
	}
	for k, key := range map[string]string{"cpuSet": "CpusetCpus", "usernsMode": "UsernsMode", "pidMode": "PidMode",
		"ipcMode": "IpcMode", "cgroupnsMode": "CgroupnsMode", "cgroupParent": "CgroupParent"} {
		if v := a.Str(k, ""); v != "" {
			host[key] = v
		}
	}
	for k, key := range map[string]string{"sysctls": "Sysctls", "storageOpts": "StorageOpt"} {
		if v := a.StringMap(k); len(v) > 0 {
			host[key] = v
		}
	}
	if a.Str("gpus", "") != "" {
		return nil, errors.New("gpus is not supported by the lakehouse stand-in docker provider (see docs/offline.md)")
	}
	body := map[string]any{}
	for k, v := range cfg {
		body[k] = v
	}
	body["HostConfig"] = host
	return body, nil
}

// volumeBinds is upstream's volumeSetToDockerVolumes.
func volumeBinds(volumes []lhp.Args) (anon map[string]any, binds, volumesFrom []string, err error) {
	anon = map[string]any{}
	for _, v := range volumes {
		from, path := v.Str("fromContainer", ""), v.Str("containerPath", "")
		name := v.Str("volumeName", v.Str("hostPath", ""))
		switch {
		case from == "" && path == "":
			return nil, nil, nil, errors.New("volume entry without container path or source container")
		case from != "" && path != "":
			return nil, nil, nil, errors.New("both a container and a path specified in a volume entry")
		case from != "":
			volumesFrom = append(volumesFrom, from)
		case name != "":
			mode := "rw"
			if v.Bool("readOnly", false) {
				mode = "ro"
			}
			anon[path] = map[string]any{}
			binds = append(binds, name+":"+path+":"+mode)
		default:
			anon[path] = map[string]any{}
		}
	}
	return anon, binds, volumesFrom, nil
}

func endpoint(n lhp.Args) map[string]any {
	ep := map[string]any{"Aliases": n.Strings("aliases"), "IPAMConfig": map[string]any{
		"IPv4Address": n.Str("ipv4Address", ""), "IPv6Address": n.Str("ipv6Address", "")}}
	if v := n.Str("macAddress", ""); v != "" {
		ep["MacAddress"] = v
	}
	return ep
}

// duration is upstream's time.ParseDuration with the error ignored (Check has validated it).
func duration(s string) int64 {
	d, _ := time.ParseDuration(s)
	return int64(d)
}

func plainStrings(l []any) []string {
	out := []string{}
	for _, e := range l {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}
