package main

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

type topic struct{}

// DiffsAgainstState: the bridge plans against the state (after a refresh, the live topic).
func (topic) DiffsAgainstState() {}

// DeleteBeforeReplace is the bridge's rule for an autonamed property given explicitly (the name).
func (topic) DeleteBeforeReplace(olds, news resource.PropertyMap) bool {
	return nameGivenExplicitly(news)
}

// RefreshInputs: a refresh records the live values as the inputs, as the bridge does.
func (topic) RefreshInputs(oldInputs, outs resource.PropertyMap) resource.PropertyMap {
	return lhp.BridgedInputs(oldInputs, outs)
}

// liveTopic is a topic as the cluster reports it.
type liveTopic struct {
	name              string
	partitions        int
	replicationFactor int
	config            map[string]string
	replicas          map[int32][]int32
	brokers           []int32
}

var errTopicMissing = errors.New("topic could not be found")

func (topic) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	news := lhp.Copy(a.News)
	delete(news, defaultsKey)
	var failures []*pulumirpc.CheckFailure
	defaults := []resource.PropertyValue{}
	// The bridge autonames `name` (<resource name>-<7 hex>) and keeps an autoname across updates.
	if v, ok := news["name"]; !ok || v.IsNull() {
		if old, ok := a.Olds["name"]; ok && old.IsString() && listed(a.Olds[defaultsKey], "name") {
			news["name"] = old
		} else {
			news["name"] = resource.NewStringProperty(lhp.AutoName(a.Name, a.Seed))
		}
		defaults = append(defaults, resource.NewStringProperty("name"))
	}
	for _, k := range []string{"partitions", "replicationFactor"} {
		v, ok := news[resource.PropertyKey(k)]
		switch {
		case !ok || v.IsNull():
			failures = append(failures, &pulumirpc.CheckFailure{Property: k,
				Reason: fmt.Sprintf("Missing required argument. The argument %q is required, but no definition was found.", tfName(k))})
		case v.ContainsUnknowns():
		case !v.IsNumber():
			failures = append(failures, &pulumirpc.CheckFailure{Property: k, Reason: fmt.Sprintf("%s must be a number", k)})
		case v.NumberValue() < 1:
			failures = append(failures, &pulumirpc.CheckFailure{Property: k,
				Reason: fmt.Sprintf("expected %s to be at least (1), got %d", tfName(k), int(v.NumberValue()))})
		}
	}
	if v, ok := news["config"]; ok && v.IsObject() {
		for key, e := range v.ObjectValue() {
			if !e.IsString() && !e.ContainsUnknowns() && !(e.IsSecret() && e.SecretValue().Element.IsString()) {
				failures = append(failures, &pulumirpc.CheckFailure{Property: "config." + string(key),
					Reason: fmt.Sprintf("config.%s: expected a string", key)})
			}
		}
	}
	news[defaultsKey] = resource.NewArrayProperty(defaults)
	return news, failures, nil
}

func tfName(k string) string {
	if k == "replicationFactor" {
		return "replication_factor"
	}
	return k
}

func listed(v resource.PropertyValue, key string) bool {
	if !v.IsArray() {
		return false
	}
	for _, e := range v.ArrayValue() {
		if e.IsString() && e.StringValue() == key {
			return true
		}
	}
	return false
}

// Diff plans against the last known state (olds), as the bridge does: after a refresh that is the
// live topic, so drift shows. Upstream: resource_kafka_topic.go kafkaTopicResource and customDiff.
func (topic) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	return topicDiff(olds, news, apiSupport.cached())
}

func topicDiff(olds, news resource.PropertyMap, canAlterRF bool) (replaces, updates []string) {
	changed := func(k resource.PropertyKey) bool {
		n := news[k]
		return n.ContainsUnknowns() || !reflect.DeepEqual(lhp.Plain(olds[k]), lhp.Plain(n))
	}
	if changed("name") {
		replaces = append(replaces, "name")
	}
	if changed("partitions") {
		o, n := lhp.PlainMap(olds).Num("partitions", 0), lhp.PlainMap(news).Num("partitions", 0)
		// An unknown count reads as 0 in the plan, so it also forces a replacement upstream.
		if n < o {
			replaces = append(replaces, "partitions")
		} else {
			updates = append(updates, "partitions")
		}
	}
	if changed("replicationFactor") {
		if canAlterRF {
			updates = append(updates, "replicationFactor")
		} else {
			replaces = append(replaces, "replicationFactor")
		}
	}
	if n := news["config"]; n.ContainsUnknowns() || !sameConfig(lhp.PlainMap(olds).StringMap("config"), lhp.PlainMap(news).StringMap("config")) {
		updates = append(updates, "config")
	}
	sort.Strings(replaces)
	sort.Strings(updates)
	return replaces, updates
}

// sameConfig compares two config maps; absent and empty are the same map, as in Terraform.
func sameConfig(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

type topicArgs struct {
	name              string
	partitions        int
	replicationFactor int
	config            map[string]string
}

func argsOf(m resource.PropertyMap) topicArgs {
	a := lhp.PlainMap(m)
	return topicArgs{
		name:              a.Str("name", ""),
		partitions:        int(a.Num("partitions", 0)),
		replicationFactor: int(a.Num("replicationFactor", 0)),
		config:            a.StringMap("config"),
	}
}

// outputs are the inputs as the Terraform state holds them after create or update (no read-back).
func outputs(news resource.PropertyMap) resource.PropertyMap {
	outs := lhp.Copy(news)
	delete(outs, defaultsKey)
	return outs
}

func (topic) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	t := argsOf(news)
	err := withAdmin(ctx, "creating topic "+t.name, func(ctx context.Context, adm *kadm.Client) error {
		configs := map[string]*string{}
		for k, v := range t.config {
			configs[k] = &v
		}
		r, err := adm.CreateTopic(ctx, int32(t.partitions), int16(t.replicationFactor), configs, t.name)
		if err != nil {
			return err
		}
		if r.Err != nil {
			// Upstream adopts nothing: an existing topic of that name is an error.
			return serverErr(r.Err, r.ErrMessage)
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	err = waitFor(ctx, fmt.Sprintf("topic (%s) to be created", t.name), time.Second, 2*time.Second, cfg.timeout,
		func(ctx context.Context) (bool, string, error) {
			_, err := readTopic(ctx, t.name)
			if errors.Is(err, errTopicMissing) {
				return false, "Pending", nil
			}
			return err == nil, "Created", err
		})
	if err != nil {
		return "", nil, err
	}
	return t.name, outputs(news), nil
}

// readTopic reads a topic like upstream's ReadTopic: partitions, the replica count (the same on every
// partition, else an error) and the config entries that are set on the topic (not defaults).
func readTopic(ctx context.Context, name string) (liveTopic, error) {
	live := liveTopic{name: name}
	err := withAdmin(ctx, "reading topic "+name, func(ctx context.Context, adm *kadm.Client) error {
		m, err := adm.Metadata(ctx, name)
		if err != nil {
			return err
		}
		d, ok := m.Topics[name]
		if !ok || errors.Is(d.Err, kerr.UnknownTopicOrPartition) || len(d.Partitions) == 0 {
			return errTopicMissing
		}
		if d.Err != nil {
			return d.Err
		}
		for _, b := range m.Brokers {
			live.brokers = append(live.brokers, b.NodeID)
		}
		live.replicas = map[int32][]int32{}
		live.partitions = len(d.Partitions)
		live.replicationFactor = -1
		for _, p := range d.Partitions.Sorted() {
			live.replicas[p.Partition] = append([]int32(nil), p.Replicas...)
			if live.replicationFactor == -1 {
				live.replicationFactor = len(p.Replicas)
			} else if live.replicationFactor != len(p.Replicas) {
				return fmt.Errorf("the replica count isn't the same across partitions %d != %d", live.replicationFactor, len(p.Replicas))
			}
		}
		rc, err := describeConfigs(ctx, adm, name)
		if err != nil {
			return err
		}
		live.config = map[string]string{}
		if errors.Is(rc.Err, kerr.UnknownTopicOrPartition) {
			// Upstream (sarama) ignores a per-resource error of DescribeConfigs and reads no config.
			return nil
		}
		if rc.Err != nil {
			return serverErr(rc.Err, rc.ErrMessage)
		}
		for _, c := range rc.Configs {
			if isDefaultSource(c.Source) {
				continue
			}
			live.config[c.Key] = c.MaybeValue()
		}
		return nil
	})
	if errors.Is(err, errTopicMissing) {
		return live, errTopicMissing
	}
	return live, err
}

// describeConfigs asks for a topic's configs. A broker that has not yet seen a topic the metadata
// already lists answers UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this topic-partition"),
// seen right after creating several topics on three brokers: asked again for up to 10 s, it knows it.
func describeConfigs(ctx context.Context, adm *kadm.Client, name string) (kadm.ResourceConfig, error) {
	for attempt := 0; ; attempt++ {
		rcs, err := adm.DescribeTopicConfigs(ctx, name)
		if err != nil {
			return kadm.ResourceConfig{}, err
		}
		rc, err := rcs.On(name, nil)
		if err != nil {
			return kadm.ResourceConfig{}, err
		}
		if !errors.Is(rc.Err, kerr.UnknownTopicOrPartition) || attempt >= 20 {
			return rc, nil
		}
		select {
		case <-ctx.Done():
			return rc, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// isDefaultSource: upstream's isDefault leaves out Kafka's defaults and the brokers' static and
// cluster-wide dynamic defaults, so Read reports what was set on the topic itself.
func isDefaultSource(s kmsg.ConfigSource) bool {
	return s == kmsg.ConfigSourceDefaultConfig || s == kmsg.ConfigSourceStaticBrokerConfig ||
		s == kmsg.ConfigSourceDynamicDefaultBrokerConfig
}

func (topic) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	live, err := readTopic(ctx, id)
	if errors.Is(err, errTopicMissing) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	outs := lhp.Copy(state)
	delete(outs, defaultsKey)
	outs["name"] = resource.NewStringProperty(live.name)
	outs["partitions"] = resource.NewNumberProperty(float64(live.partitions))
	outs["replicationFactor"] = resource.NewNumberProperty(float64(live.replicationFactor))
	cfgMap := resource.PropertyMap{}
	for k, v := range live.config {
		cfgMap[resource.PropertyKey(k)] = resource.NewStringProperty(v)
	}
	outs["config"] = resource.NewObjectProperty(cfgMap)
	return outs, true, nil
}

// Update follows upstream's topicUpdate: config first (the whole set: keys left out go back to their
// defaults), then the replication factor by partition reassignment (waiting until it completes), then
// new partitions, then a wait until the live topic matches.
func (topic) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	want := argsOf(news)
	want.name = id
	was := argsOf(olds)
	if err := setConfig(ctx, id, want.config); err != nil {
		return nil, err
	}
	if was.replicationFactor != want.replicationFactor {
		if err := reassign(ctx, id, want.replicationFactor); err != nil {
			return nil, err
		}
	}
	if was.partitions != want.partitions {
		err := withAdmin(ctx, "adding partitions to "+id, func(ctx context.Context, adm *kadm.Client) error {
			rs, err := adm.UpdatePartitions(ctx, want.partitions, id)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if r.Err != nil {
					return serverErr(r.Err, r.ErrMessage)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	err := waitFor(ctx, fmt.Sprintf("topic (%s) to become ready", id), time.Second, time.Second, cfg.timeout,
		func(ctx context.Context) (bool, string, error) {
			live, err := readTopic(ctx, id)
			if err != nil {
				return false, "", err
			}
			if live.partitions == want.partitions && live.replicationFactor == want.replicationFactor && sameConfig(live.config, want.config) {
				return true, "Ready", nil
			}
			return false, fmt.Sprintf("%v != %v", live.config, want.config), nil
		})
	if err != nil {
		return nil, err
	}
	return outputs(news), nil
}

// setConfig makes the topic's own config exactly want, as upstream's (non-incremental) AlterConfigs does.
func setConfig(ctx context.Context, name string, want map[string]string) error {
	return withAdmin(ctx, "altering the config of topic "+name, func(ctx context.Context, adm *kadm.Client) error {
		rcs, err := adm.DescribeTopicConfigs(ctx, name)
		if err != nil {
			return err
		}
		rc, err := rcs.On(name, nil)
		if err != nil {
			return err
		}
		var alters []kadm.AlterConfig
		keys := make([]string, 0, len(want))
		for k := range want {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := want[k]
			alters = append(alters, kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: &v})
		}
		for _, c := range rc.Configs {
			if _, keep := want[c.Key]; !keep && c.Source == kmsg.ConfigSourceDynamicTopicConfig {
				alters = append(alters, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: c.Key})
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
				if r.ErrMessage != "" {
					return errors.New(r.ErrMessage)
				}
				return serverErr(r.Err, "")
			}
		}
		return nil
	})
}

// reassign moves every partition of the topic to rf replicas and waits until no replica is being
// added or removed (upstream's AlterReplicationFactor and waitForRFUpdate).
func reassign(ctx context.Context, name string, rf int) error {
	live, err := readTopic(ctx, name)
	if err != nil {
		return err
	}
	plan, err := replicaPlan(live.replicas, live.brokers, rf, nil)
	if err != nil {
		return err
	}
	err = withAdmin(ctx, "reassigning the partitions of "+name, func(ctx context.Context, adm *kadm.Client) error {
		var req kadm.AlterPartitionAssignmentsReq
		for p, replicas := range plan {
			req.Assign(name, p, replicas)
		}
		rs, err := adm.AlterPartitionAssignments(ctx, req)
		if err != nil {
			return err
		}
		for _, r := range rs.Sorted() {
			if r.Err != nil {
				return serverErr(r.Err, r.ErrMessage)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return waitFor(ctx, fmt.Sprintf("topic (%s) replication_factor to update", name), time.Second, time.Second, cfg.timeout,
		func(ctx context.Context) (bool, string, error) {
			moving := false
			err := withAdmin(ctx, "listing reassignments of "+name, func(ctx context.Context, adm *kadm.Client) error {
				var set kadm.TopicsSet
				for p := range live.replicas {
					set.Add(name, p)
				}
				rs, err := adm.ListPartitionReassignments(ctx, set)
				if err != nil {
					return err
				}
				for _, r := range rs[name] {
					if len(r.AddingReplicas) > 0 || len(r.RemovingReplicas) > 0 {
						moving = true
					}
				}
				return nil
			})
			if moving {
				return false, "Updating", err
			}
			return err == nil, "Ready", err
		})
}

func (topic) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	err := withAdmin(ctx, "deleting topic "+id, func(ctx context.Context, adm *kadm.Client) error {
		rs, err := adm.DeleteTopics(ctx, id)
		if err != nil {
			return err
		}
		for k, r := range rs {
			// Upstream fails here too when the topic is already gone (refresh first to forget it).
			if r.Err != nil {
				return fmt.Errorf("%s : %w", k, serverErr(r.Err, r.ErrMessage))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return waitFor(ctx, fmt.Sprintf("topic (%s) to delete", id), 3*time.Second, 2*time.Second, 300*time.Second,
		func(ctx context.Context) (bool, string, error) {
			_, err := readTopic(ctx, id)
			if errors.Is(err, errTopicMissing) {
				return true, "Deleted", nil
			}
			return false, "Pending", err
		})
}
