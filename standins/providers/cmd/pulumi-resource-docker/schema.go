package main

// The resources' schemas as upstream declares them (kreuzwerker/terraform-provider-docker v3.9.0,
// the version pulumi-docker 4.11.2 bridges), under the Pulumi property names: which inputs force a
// replacement, which are computed, their defaults and validations. Written from upstream's schema
// functions (internal/provider/resource_docker_*.go); standins/providers/conformance/docker.json
// records the same facts with their sources, and the tests hold the two together.

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"time"
)

type kind int

const (
	kString kind = iota
	kInt
	kBool
	kList  // ordered list (of elem, or of objects when fields is set)
	kSet   // unordered set (of elem, or of objects)
	kMap   // map of strings
	kBlock // a MaxItems=1 list of one object, which the bridge presents as an object
)

type attr struct {
	kind     kind
	elem     kind             // element kind of a list/set of primitives
	fields   map[string]*attr // object fields of a list/set of objects, or of a block
	forceNew bool             // a change replaces the resource
	computed bool             // unset input: the state's value stands (no diff)
	def      any              // Terraform default, filled in by Check
	required bool
	// suppressEmpty: a new "" is no change (upstream DiffSuppressFunc on user, working_dir).
	suppressEmpty bool
	// unordered: a list compared without regard to order (upstream's ports DiffSuppressFunc).
	unordered bool
	validate  func(v any) string
	// stateFunc: the value the state records for an input (upstream's StateFunc on ports.ip).
	stateFunc func(string) string
	// output: set by the provider only (never an input).
	output bool
}

type schema map[string]*attr

func str(opts ...func(*attr)) *attr  { return applyOpts(&attr{kind: kString}, opts) }
func num(opts ...func(*attr)) *attr  { return applyOpts(&attr{kind: kInt}, opts) }
func boo(opts ...func(*attr)) *attr  { return applyOpts(&attr{kind: kBool}, opts) }
func smap(opts ...func(*attr)) *attr { return applyOpts(&attr{kind: kMap}, opts) }
func list(elem kind, opts ...func(*attr)) *attr {
	return applyOpts(&attr{kind: kList, elem: elem}, opts)
}
func set(elem kind, opts ...func(*attr)) *attr { return applyOpts(&attr{kind: kSet, elem: elem}, opts) }
func objs(k kind, fields schema, opts ...func(*attr)) *attr {
	return applyOpts(&attr{kind: k, fields: fields}, opts)
}
func block(fields schema, opts ...func(*attr)) *attr {
	return applyOpts(&attr{kind: kBlock, fields: fields}, opts)
}
func applyOpts(a *attr, opts []func(*attr)) *attr {
	for _, o := range opts {
		o(a)
	}
	return a
}

var (
	forceNew      = func(a *attr) { a.forceNew = true }
	computed      = func(a *attr) { a.computed = true }
	required      = func(a *attr) { a.required = true }
	output        = func(a *attr) { a.output = true; a.computed = true }
	suppressEmpty = func(a *attr) { a.suppressEmpty = true }
	unordered     = func(a *attr) { a.unordered = true }
)

// emptyIsAnyAddress: upstream's ports.ip StateFunc, "" is recorded as 0.0.0.0.
var emptyIsAnyAddress = func(a *attr) {
	a.stateFunc = func(s string) string {
		if s == "" {
			return "0.0.0.0"
		}
		return s
	}
}

func def(v any) func(*attr)                  { return func(a *attr) { a.def = v } }
func check(f func(v any) string) func(*attr) { return func(a *attr) { a.validate = f } }

// Validators, with upstream's messages (internal/provider/validators.go).

func matches(pattern string) func(any) string {
	re := regexp.MustCompile(pattern)
	return func(v any) string {
		if s, ok := v.(string); ok && !re.MatchString(s) {
			return fmt.Sprintf("'%v' doesn't match the pattern '%s'", s, pattern)
		}
		return ""
	}
}

func atLeast(n float64) func(any) string {
	return func(v any) string {
		if f, ok := v.(float64); ok && f < n {
			return fmt.Sprintf("'%v' cannot be lower than %v", f, n)
		}
		return ""
	}
}

func durationGeq0(v any) string {
	s, ok := v.(string)
	if !ok {
		return ""
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Sprintf("'%v' is not a valid duration", s)
	}
	if d < 0 {
		return fmt.Sprintf("'%v' duration must not be negative", s)
	}
	return ""
}

func base64Encoded(v any) string {
	if s, ok := v.(string); ok {
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return fmt.Sprintf("'%v' is not base64 decodeable", s)
		}
	}
	return ""
}

func absolutePath(v any) string {
	if s, ok := v.(string); ok && !regexp.MustCompile(`^[a-zA-Z]:[\\/]|^/`).MatchString(s) {
		return fmt.Sprintf("'%v' must be an absolute path", s)
	}
	return ""
}

// labelFields: upstream's labelSchema (helpers.go), both fields required and ForceNew.
func labelFields() schema {
	return schema{"label": str(required, forceNew), "value": str(required, forceNew)}
}

// containerSchema: resource_docker_container.go resourceDockerContainer.
var containerSchema = schema{
	"name":                str(required, forceNew),
	"rm":                  boo(def(false)),
	"readOnly":            boo(def(false), forceNew),
	"start":               boo(def(true)),
	"wait":                boo(def(false)),
	"waitTimeout":         num(def(60.0)),
	"attach":              boo(def(false)),
	"logs":                boo(def(false)),
	"mustRun":             boo(def(true)),
	"exitCode":            num(output),
	"containerLogs":       str(output),
	"image":               str(required, forceNew),
	"hostname":            str(forceNew, computed),
	"domainname":          str(forceNew),
	"command":             list(kString, forceNew, computed),
	"entrypoints":         list(kString, forceNew, computed),
	"user":                str(forceNew, suppressEmpty),
	"dns":                 set(kString, forceNew),
	"dnsOpts":             set(kString, forceNew),
	"dnsSearches":         set(kString, forceNew),
	"publishAllPorts":     boo(forceNew),
	"restart":             str(def("no"), check(matches(`^(no|on-failure|always|unless-stopped)$`))),
	"maxRetryCount":       num(),
	"workingDir":          str(forceNew, suppressEmpty),
	"removeVolumes":       boo(def(true)),
	"capabilities":        block(schema{"adds": set(kString, forceNew), "drops": set(kString, forceNew)}, forceNew),
	"securityOpts":        set(kString, forceNew, computed),
	"runtime":             str(forceNew, computed),
	"stopSignal":          str(forceNew, computed),
	"stopTimeout":         num(forceNew, computed),
	"mounts":              objs(kSet, mountFields, forceNew),
	"volumes":             objs(kSet, volumeFields, forceNew),
	"tmpfs":               smap(),
	"ports":               objs(kList, portFields, forceNew, unordered),
	"hosts":               objs(kSet, schema{"ip": str(required, forceNew), "host": str(required, forceNew)}, forceNew),
	"ulimits":             objs(kSet, schema{"name": str(required, forceNew), "soft": num(required, forceNew), "hard": num(required, forceNew)}, forceNew),
	"envs":                set(kString, forceNew, computed),
	"bridge":              str(output),
	"networkDatas":        objs(kList, nil, output),
	"privileged":          boo(forceNew),
	"devices":             objs(kSet, schema{"hostPath": str(required, forceNew), "containerPath": str(forceNew), "permissions": str(forceNew)}, forceNew),
	"destroyGraceSeconds": num(),
	"labels":              objs(kSet, labelFields(), forceNew, computed),
	"memory":              num(check(atLeast(0))),
	"memoryReservation":   num(def(0.0), check(atLeast(0))),
	"memorySwap":          num(check(atLeast(-1))),
	"shmSize":             num(forceNew, computed, check(atLeast(0))),
	"cpuShares":           num(check(atLeast(0))),
	"cpuSet":              str(check(matches(`^\d+([,-]\d+)*$`))),
	"logDriver":           str(forceNew, computed),
	"logOpts":             smap(forceNew),
	"networkMode":         str(def("bridge"), forceNew),
	"networksAdvanced":    objs(kSet, networkAdvancedFields, forceNew),
	"pidMode":             str(forceNew),
	"usernsMode":          str(forceNew),
	"uploads":             objs(kSet, uploadFields, forceNew),
	"healthcheck":         block(healthcheckFields, computed),
	"containerReadRefreshTimeoutMilliseconds": num(def(15000.0)),
	"sysctls":      smap(forceNew),
	"ipcMode":      str(forceNew, computed),
	"groupAdds":    set(kString, forceNew),
	"init":         boo(computed),
	"tty":          boo(def(false), forceNew),
	"stdinOpen":    boo(def(false), forceNew),
	"storageOpts":  smap(forceNew),
	"gpus":         str(forceNew),
	"cpus":         str(forceNew),
	"cpuPeriod":    num(check(atLeast(0))),
	"cpuQuota":     num(check(atLeast(0))),
	"cgroupnsMode": str(forceNew),
	"cgroupParent": str(forceNew),
}

var portFields = schema{
	"internal": num(required, forceNew),
	"external": num(forceNew, computed),
	"ip":       str(def("0.0.0.0"), forceNew, emptyIsAnyAddress),
	"protocol": str(def("tcp"), forceNew),
}

var healthcheckFields = schema{
	"tests":         list(kString, required),
	"interval":      str(def("0s"), check(durationGeq0)),
	"timeout":       str(def("0s"), check(durationGeq0)),
	"startPeriod":   str(def("0s"), check(durationGeq0)),
	"startInterval": str(def("0s"), check(durationGeq0)),
	"retries":       num(def(0.0), check(atLeast(0))),
}

var volumeFields = schema{
	"fromContainer": str(forceNew),
	"containerPath": str(forceNew),
	"hostPath":      str(forceNew, check(absolutePath)),
	"volumeName":    str(forceNew),
	"readOnly":      boo(forceNew),
}

var mountFields = schema{
	"target":   str(required),
	"source":   str(),
	"type":     str(required, check(matches(`^(bind|volume|tmpfs)$`))),
	"readOnly": boo(),
	// Nested option blocks are compared as given.
	"bindOptions":   block(schema{"propagation": str(check(matches(`^(private|rprivate|shared|rshared|slave|rslave)$`)))}),
	"volumeOptions": block(schema{"noCopy": boo(), "labels": objs(kSet, labelFields()), "driverName": str(), "driverOptions": smap(), "subpath": str(forceNew)}),
	"tmpfsOptions":  block(schema{"sizeBytes": num(), "mode": num()}, forceNew),
}

var networkAdvancedFields = schema{
	"name":        str(required, forceNew),
	"aliases":     set(kString, forceNew),
	"ipv4Address": str(forceNew),
	"ipv6Address": str(forceNew),
	"macAddress":  str(forceNew),
}

var uploadFields = schema{
	"content":       str(forceNew),
	"contentBase64": str(forceNew, check(base64Encoded)),
	"file":          str(required, forceNew),
	"executable":    boo(def(false), forceNew),
	"permissions":   str(forceNew, check(matches(`^0[0-7]{3}$`))),
	"source":        str(forceNew),
	"sourceHash":    str(forceNew),
}

// networkSchema: resource_docker_network.go resourceDockerNetwork (no Update: every input is ForceNew).
var networkSchema = schema{
	"name":           str(required, forceNew),
	"labels":         objs(kSet, labelFields(), forceNew),
	"checkDuplicate": boo(forceNew),
	"driver":         str(forceNew, computed),
	"options":        smap(forceNew, computed),
	"internal":       boo(forceNew, computed),
	"attachable":     boo(forceNew),
	"ingress":        boo(forceNew),
	"ipv6":           boo(forceNew),
	"ipamDriver":     str(def("default"), forceNew),
	"ipamOptions":    smap(forceNew),
	"ipamConfigs": objs(kSet, schema{"subnet": str(forceNew), "ipRange": str(forceNew), "gateway": str(forceNew),
		"auxAddress": smap(forceNew)}, forceNew, computed),
	"scope": str(output),
}

// volumeSchema: resource_docker_volume.go resourceDockerVolume (cluster volumes are not supported here).
var volumeSchema = schema{
	"name":       str(forceNew, computed),
	"labels":     objs(kSet, labelFields(), forceNew),
	"driver":     str(forceNew, computed),
	"driverOpts": smap(forceNew),
	"mountpoint": str(output),
}

// remoteImageSchema: resource_docker_image.go resourceDockerImage (docker_image is RemoteImage in Pulumi).
var remoteImageSchema = schema{
	"name":         str(required, forceNew),
	"imageId":      str(output),
	"repoDigest":   str(output),
	"keepLocally":  boo(),
	"pullTriggers": set(kString, forceNew),
	"forceRemove":  boo(),
	"triggers":     smap(forceNew),
	"platform":     str(def(""), forceNew),
}
