// Command pulumi-resource-kafka is the lakehouse's stand-in for the pulumi-kafka provider (whose
// provider module, and the Terraform provider it bridges, the reachable Go module proxy does not serve).
// It implements kafka:index/topic:Topic with @pulumi/kafka 3.13.2's property names through the Kafka
// admin API (github.com/twmb/franz-go): name and replicationFactor replace the topic, partitions can
// only grow, config is altered in place. Provider config: bootstrapServers, tlsEnabled (default true, as
// upstream), skipTlsVerify, timeout (seconds, default 120). SASL and client certificates are not supported.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

var version = "3.13.2"

type settings struct {
	brokers []string
	tls     bool
	skipTLS bool
	timeout time.Duration
}

var cfg = settings{tls: true, timeout: 120 * time.Second}

func main() {
	lhp.Main(&lhp.Provider{
		Name:      "kafka",
		Version:   version,
		Resources: map[string]lhp.Resource{"kafka:index/topic:Topic": topic{}},
		OnConfigure: func(c map[string]any) error {
			a := lhp.Args(c)
			cfg.brokers = a.Strings("bootstrapServers")
			if s, ok := c["bootstrapServers"].(string); ok { // from stack config: a JSON list or a comma list
				s = strings.Trim(s, "[]")
				for _, b := range strings.Split(s, ",") {
					if b = strings.Trim(strings.TrimSpace(b), `"`); b != "" {
						cfg.brokers = append(cfg.brokers, b)
					}
				}
			}
			cfg.tls = boolish(c["tlsEnabled"], true)
			cfg.skipTLS = boolish(c["skipTlsVerify"], false)
			if t := a.Num("timeout", 0); t > 0 {
				cfg.timeout = time.Duration(t) * time.Second
			}
			if u := a.Str("saslUsername", ""); u != "" {
				return errors.New("SASL is not supported by the lakehouse stand-in kafka provider")
			}
			return nil
		},
	})
}

func boolish(v any, def bool) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return b == "true"
	}
	return def
}

func admin() (*kadm.Client, func(), error) {
	if len(cfg.brokers) == 0 {
		return nil, nil, errors.New("kafka provider: bootstrapServers is not set")
	}
	opts := []kgo.Opt{kgo.SeedBrokers(cfg.brokers...), kgo.RequestTimeoutOverhead(10 * time.Second)}
	if cfg.tls {
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second},
			Config: &tls.Config{InsecureSkipVerify: cfg.skipTLS}} //nolint:gosec // user's choice
		opts = append(opts, kgo.Dialer(d.DialContext))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, nil, err
	}
	return kadm.NewClient(cl), cl.Close, nil
}

// withRetry retries f until it succeeds or cfg.timeout passes: brokers may still be starting.
func withRetry(ctx context.Context, what string, f func(context.Context, *kadm.Client) error) error {
	deadline := time.Now().Add(cfg.timeout)
	var last error
	for {
		err := func() error {
			adm, closeFn, err := admin()
			if err != nil {
				return err
			}
			defer closeFn()
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			return f(cctx, adm)
		}()
		if err == nil {
			return nil
		}
		var perm permanent
		if errors.As(err, &perm) {
			return fmt.Errorf("%s: %w", what, perm.error)
		}
		last = err
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %w (brokers %s, tlsEnabled=%v)", what, last, strings.Join(cfg.brokers, ","), cfg.tls)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

type permanent struct{ error }

type topic struct{}

func (topic) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	var failures []*pulumirpc.CheckFailure
	n, o := lhp.PlainMap(a.News), lhp.PlainMap(a.Olds)
	for _, k := range []string{"name", "partitions", "replicationFactor"} {
		if v, ok := a.News[resource.PropertyKey(k)]; !ok || v.IsNull() {
			failures = append(failures, &pulumirpc.CheckFailure{Property: k, Reason: k + " is required"})
		}
	}
	if np, op := n.Num("partitions", 0), o.Num("partitions", 0); np > 0 && op > 0 && np < op && n.Str("name", "") == o.Str("name", "") {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "partitions",
			Reason: fmt.Sprintf("partitions can only grow (from %d to %d requested)", int(op), int(np))})
	}
	return a.News, failures, nil
}

func (topic) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	var replaces, updates []string
	for _, k := range lhp.ChangedKeys(oldInputs, news) {
		if k == "name" || k == "replicationFactor" {
			replaces = append(replaces, k)
		} else {
			updates = append(updates, k)
		}
	}
	return replaces, updates
}

func configs(a lhp.Args) map[string]*string {
	out := map[string]*string{}
	for k, v := range a.StringMap("config") {
		v := v
		out[k] = &v
	}
	return out
}

// reconcile makes an existing topic's partitions and config match the inputs.
func reconcile(ctx context.Context, adm *kadm.Client, name string, a lhp.Args, oldCfg map[string]string) error {
	details, err := adm.ListTopics(ctx, name)
	if err != nil {
		return err
	}
	d, ok := details[name]
	if !ok || d.Err != nil {
		return fmt.Errorf("topic %s not found: %v", name, d.Err)
	}
	want := int(a.Num("partitions", 0))
	if have := len(d.Partitions); want > have {
		rs, err := adm.UpdatePartitions(ctx, want, name)
		if err != nil {
			return err
		}
		if err := rs.Error(); err != nil {
			return err
		}
	} else if want < have {
		return permanent{fmt.Errorf("topic %s has %d partitions; partitions can only grow (asked %d)", name, have, want)}
	}
	var alters []kadm.AlterConfig
	newCfg := a.StringMap("config")
	keys := make([]string, 0, len(newCfg))
	for k := range newCfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := newCfg[k]
		alters = append(alters, kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: &v})
	}
	for k := range oldCfg {
		if _, ok := newCfg[k]; !ok {
			alters = append(alters, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: k})
		}
	}
	if len(alters) == 0 {
		return nil
	}
	rs, err := adm.AlterTopicConfigs(ctx, alters, name)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.Err != nil {
			return permanent{fmt.Errorf("altering config of %s: %v %s", name, r.Err, r.ErrMessage)}
		}
	}
	return nil
}

func (topic) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	name := a.Str("name", "")
	err := withRetry(ctx, "creating topic "+name, func(ctx context.Context, adm *kadm.Client) error {
		r, err := adm.CreateTopic(ctx, int32(a.Num("partitions", 1)), int16(a.Num("replicationFactor", 1)), configs(a), name)
		if err != nil {
			return err
		}
		switch {
		case r.Err == nil:
			return nil
		case errors.Is(r.Err, kerr.TopicAlreadyExists):
			// Adopt a topic that survived a destroy (retainOnDelete) and bring it to the inputs.
			return reconcile(ctx, adm, name, a, nil)
		case errors.Is(r.Err, kerr.InvalidReplicationFactor), errors.Is(r.Err, kerr.InvalidPartitions),
			errors.Is(r.Err, kerr.InvalidConfig), errors.Is(r.Err, kerr.InvalidTopicException), errors.Is(r.Err, kerr.PolicyViolation):
			return permanent{fmt.Errorf("%v %s", r.Err, r.ErrMessage)}
		}
		return fmt.Errorf("%v %s", r.Err, r.ErrMessage)
	})
	if err != nil {
		return "", nil, err
	}
	return name, lhp.Copy(news), nil
}

func (topic) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	oldCfg := lhp.PlainMap(oldInputs).StringMap("config")
	err := withRetry(ctx, "updating topic "+id, func(ctx context.Context, adm *kadm.Client) error {
		return reconcile(ctx, adm, id, a, oldCfg)
	})
	if err != nil {
		return nil, err
	}
	return lhp.Copy(news), nil
}

func (topic) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	exists := true
	err := withRetry(ctx, "reading topic "+id, func(ctx context.Context, adm *kadm.Client) error {
		details, err := adm.ListTopics(ctx, id)
		if err != nil {
			return err
		}
		exists = details.Has(id)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return state, exists, nil
}

func (topic) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	return withRetry(ctx, "deleting topic "+id, func(ctx context.Context, adm *kadm.Client) error {
		rs, err := adm.DeleteTopics(ctx, id)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.Err != nil && !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
				return r.Err
			}
		}
		return nil
	})
}
