package main

// What the shared lhp glue cannot express: upstream's topic diff asks the cluster whether it can
// reassign replicas, which needs a context and can fail (a preview of a replication change fails when
// no broker answers). bridged wraps lhp.Provider for that; serve is lhp.Main for the wrapper.

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/twmb/franz-go/pkg/kadm"
	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

// defaultsKey is the bridge's reserved input listing the properties Check filled in (e.g. an autoname).
const defaultsKey = "__defaults"

type bridged struct{ *lhp.Provider }

func (b bridged) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	opts := plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}
	olds, err := plugin.UnmarshalProperties(req.GetOlds(), opts)
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), opts)
	if err != nil {
		return nil, err
	}
	if req.GetType() == topicToken || typeOfURN(req.GetUrn()) == topicToken {
		if rfChanges(olds, news) {
			// Upstream's CustomizeDiff asks the cluster (ApiVersions) before planning an in-place change.
			if _, err := apiSupport.get(ctx); err != nil {
				return nil, fmt.Errorf("diffing %s: %w", req.GetUrn(), err)
			}
		}
	}
	return b.Provider.Diff(ctx, req)
}

// nameGivenExplicitly is the bridge's rule: a name not listed in __defaults was typed by the user, so
// the replacement cannot exist beside the old resource.
func nameGivenExplicitly(news resource.PropertyMap) bool {
	defaults, ok := news[defaultsKey]
	if !ok || !defaults.IsArray() {
		return false
	}
	if _, has := news["name"]; !has {
		return false
	}
	for _, d := range defaults.ArrayValue() {
		if d.IsString() && d.StringValue() == "name" {
			return false
		}
	}
	return true
}

func typeOfURN(urn string) string {
	// urn:pulumi:stack::project::[parent$]type::name
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return ""
	}
	return parts[2][strings.LastIndex(parts[2], "$")+1:]
}

// rfSupport caches whether every broker serves AlterPartitionReassignments (45) and
// ListPartitionReassignments (46): Kafka >= 2.4, as upstream's CanAlterReplicationFactor checks.
type rfSupport struct {
	mu    sync.Mutex
	known bool
	value bool
	probe func(ctx context.Context) (bool, error)
}

var apiSupport = &rfSupport{probe: probeReassignmentAPIs}

func (s *rfSupport) get(ctx context.Context) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.known {
		return s.value, nil
	}
	v, err := s.probe(ctx)
	if err != nil {
		return false, err
	}
	s.known, s.value = true, v
	return v, nil
}

// cached is what Diff uses; unknown (no probe ran) counts as supported, as on every Kafka >= 2.4.
func (s *rfSupport) cached() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.known || s.value
}

func (s *rfSupport) set(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.known, s.value = true, v
}

func (s *rfSupport) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.known = false
}

func probeReassignmentAPIs(ctx context.Context) (bool, error) {
	supported := false
	err := withAdmin(ctx, "checking the brokers' API versions", func(ctx context.Context, adm *kadm.Client) error {
		vs, err := adm.ApiVersions(ctx)
		if err != nil {
			return err
		}
		supported = len(vs) > 0
		for _, v := range vs {
			if v.Err != nil {
				return v.Err
			}
			_, _, ok45 := v.KeyVersions(45)
			_, _, ok46 := v.KeyVersions(46)
			supported = supported && ok45 && ok46
		}
		return nil
	})
	return supported, err
}

// serve is lhp.Main for a wrapped provider.
func serve(p pulumirpc.ResourceProviderServer, version string) {
	if len(os.Args) > 1 && (os.Args[1] == "-version" || os.Args[1] == "--version") {
		fmt.Println(version)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	cancel := make(chan bool)
	go func() { <-ctx.Done(); stop(); close(cancel) }()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, p)
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("fatal: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("fatal: %w", err))
	}
}

// rfChanges: the planned replication factor differs from the state's.
func rfChanges(olds, news resource.PropertyMap) bool {
	n := news["replicationFactor"]
	return n.ContainsUnknowns() || lhp.PlainMap(olds).Num("replicationFactor", 0) != lhp.PlainMap(news).Num("replicationFactor", 0)
}
