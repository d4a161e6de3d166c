package main

// docker:index/network:Network, as upstream's docker_network (resource_docker_network*.go): every
// input is ForceNew (there is no Update), Read reports the live network, a network that is gone is
// dropped, and Delete waits while containers are still attached.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

type network struct{}

func (network) DiffsAgainstState() {}

func (network) DeleteBeforeReplace(olds, news resource.PropertyMap) bool {
	return nameGivenByUser(news)
}

func (network) RefreshInputs(oldInputs, outs resource.PropertyMap) resource.PropertyMap {
	return lhp.BridgedInputs(oldInputs, outs)
}

func (network) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	news, failures := checkInputs(networkSchema, a, true)
	return news, failures, nil
}

func (network) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	return diffState(networkSchema, oldInputs, olds, news)
}

func (n network) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	body := map[string]any{"Name": a.Str("name", ""), "Labels": labelMap(a)}
	if v := a.Str("driver", ""); v != "" {
		body["Driver"] = v
	}
	if v := a.StringMap("options"); len(v) > 0 {
		body["Options"] = v
	}
	for k, key := range map[string]string{"internal": "Internal", "attachable": "Attachable", "ingress": "Ingress", "ipv6": "EnableIPv6"} {
		if a.Bool(k, false) {
			body[key] = true
		}
	}
	ipam := map[string]any{}
	if v := a.Str("ipamDriver", ""); v != "" {
		ipam["Driver"] = v
	}
	if cfgs := a.Objects("ipamConfigs"); len(cfgs) > 0 {
		var out []map[string]any
		for _, c := range cfgs {
			out = append(out, map[string]any{"Subnet": c.Str("subnet", ""), "IPRange": c.Str("ipRange", ""),
				"Gateway": c.Str("gateway", ""), "AuxiliaryAddresses": c.StringMap("auxAddress")})
		}
		ipam["Config"] = out
	}
	if v := a.StringMap("ipamOptions"); len(v) > 0 {
		ipam["Options"] = v
	}
	if len(ipam) > 0 {
		body["IPAM"] = ipam
	}
	var res struct{ Id string }
	if err := docker().do(ctx, "POST", "/networks/create", nil, body, &res); err != nil {
		return "", nil, fmt.Errorf("Unable to create network: %w", err)
	}
	outs, exists, err := n.Read(ctx, res.Id, planState(networkSchema, news, nil))
	if err == nil && !exists {
		err = fmt.Errorf("network %s vanished right after its creation", res.Id)
	}
	return res.Id, outs, err
}

func (network) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	return planState(networkSchema, news, olds), nil // every input is ForceNew: nothing reaches here but no-ops
}

type networkInfo struct {
	Name       string
	Scope      string
	Driver     string
	EnableIPv6 bool
	Internal   bool
	Attachable bool
	Ingress    bool
	Options    map[string]string
	Labels     map[string]string
	IPAM       struct {
		Driver  string
		Options map[string]string
		Config  []struct {
			Subnet, IPRange, Gateway string
			AuxiliaryAddresses       map[string]string
		}
	}
}

// Read is upstream's resourceDockerNetworkReadRefreshFunc: any inspect error means removed.
func (network) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	var info networkInfo
	if err := docker().do(ctx, "GET", "/networks/"+id, nil, nil, &info); err != nil {
		return nil, false, nil
	}
	var ipam []any
	for _, c := range info.IPAM.Config {
		m := map[string]any{}
		if c.Subnet != "" {
			m["subnet"] = c.Subnet
		}
		if c.IPRange != "" {
			m["ipRange"] = c.IPRange
		}
		if c.Gateway != "" {
			m["gateway"] = c.Gateway
		}
		if len(c.AuxiliaryAddresses) > 0 {
			m["auxAddress"] = stringMap(c.AuxiliaryAddresses)
		}
		ipam = append(ipam, m)
	}
	return withState(state, map[string]any{
		"name": info.Name, "labels": labelSet(info.Labels), "driver": info.Driver, "internal": info.Internal,
		"attachable": info.Attachable, "ingress": info.Ingress, "ipv6": info.EnableIPv6,
		"ipamDriver": info.IPAM.Driver, "ipamOptions": stringMap(info.IPAM.Options), "scope": info.Scope,
		"options": stringMap(info.Options), "ipamConfigs": append([]any{}, ipam...),
	}), true, nil
}

// Delete is upstream's resourceDockerNetworkRemoveRefreshFunc: gone is done, active endpoints wait.
func (network) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	return untilDone(ctx, 30*time.Second, func() (bool, error) {
		if err := docker().do(ctx, "GET", "/networks/"+id, nil, nil, nil); err != nil {
			return true, nil
		}
		err := docker().do(ctx, "DELETE", "/networks/"+id, nil, nil, nil)
		if err != nil && strings.Contains(err.Error(), "has active endpoints") {
			return false, nil
		}
		return true, err
	})
}
