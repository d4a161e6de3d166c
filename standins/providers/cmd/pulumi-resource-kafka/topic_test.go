package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/conformance"
)

// ---- the upstream table ----

func TestTopicMatchesUpstreamTable(t *testing.T) {
	tab := conformance.Load(t, "kafka")
	r := tab.Resources[topicToken]
	conformance.CheckLibraryInputs(t, r)
	p := bridged{newProvider()}
	conformance.RunCheckCases(t, p, topicToken, r)
	conformance.RunDiffCases(t, p, topicToken, r, func(c conformance.DiffCase) {
		// What the cluster answers to the API-version probe upstream's CustomizeDiff makes.
		apiSupport.set(c.CanAlterReplicationFactor == nil || *c.CanAlterReplicationFactor)
	})
}

// ---- the reassignment request builder ----

func TestReplicaPlanAddsBrokersThatDoNotHoldThePartition(t *testing.T) {
	current := map[int32][]int32{0: {1}, 1: {2}, 2: {3}}
	plan, err := replicaPlan(current, []int32{1, 2, 3}, 3, func(n int) int { return n - 1 })
	if err != nil {
		t.Fatal(err)
	}
	for p, was := range current {
		got := plan[p]
		if len(got) != 3 || got[0] != was[0] {
			t.Errorf("partition %d: %v, want 3 replicas led by the current one %d", p, got, was[0])
		}
		seen := map[int32]bool{}
		for _, b := range got {
			if seen[b] {
				t.Errorf("partition %d: broker %d twice in %v", p, b, got)
			}
			seen[b] = true
		}
	}
}

func TestReplicaPlanKeepsTheFirstReplicasWhenLowering(t *testing.T) {
	plan, err := replicaPlan(map[int32][]int32{0: {3, 1, 2}, 1: {2, 3, 1}}, []int32{1, 2, 3}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(plan[0]) != "[3]" || fmt.Sprint(plan[1]) != "[2]" {
		t.Errorf("plan %v, want partition 0 on [3] and 1 on [2]", plan)
	}
}

func TestReplicaPlanRefusesMoreReplicasThanBrokers(t *testing.T) {
	if _, err := replicaPlan(map[int32][]int32{0: {1}}, []int32{1, 2}, 3, nil); err == nil || err.Error() != "not enough brokers" {
		t.Errorf("err %v, want \"not enough brokers\"", err)
	}
	if _, err := replicaPlan(map[int32][]int32{0: {1, 2}}, []int32{1, 2}, 0, nil); err == nil || err.Error() != "dropping too many replicas" {
		t.Errorf("err %v, want \"dropping too many replicas\"", err)
	}
}

// ---- live, against the two-broker cluster of TestMain ----

var seq int

func topicName(t *testing.T) string {
	seq++
	return fmt.Sprintf("standin.%d.%s.%d", time.Now().Unix()%100000, strings.ToLower(t.Name()[4:]), seq)
}

func liveProvider(t *testing.T, brokers []string) bridged {
	t.Helper()
	p := bridged{newProvider()}
	list := []any{}
	for _, b := range brokers {
		list = append(list, b)
	}
	_, err := p.Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: conformance.Struct(t, conformance.Props(
		map[string]any{"bootstrapServers": list, "tlsEnabled": false, "timeout": float64(60)}))})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func checked(t *testing.T, p bridged, olds resource.PropertyMap, news map[string]any) resource.PropertyMap {
	t.Helper()
	in, failures := conformance.Check(t, p, topicToken, "topic", olds, conformance.Props(news))
	if len(failures) > 0 {
		t.Fatalf("check: %v", failures)
	}
	return in
}

func create(t *testing.T, p bridged, news map[string]any) (string, resource.PropertyMap, resource.PropertyMap) {
	t.Helper()
	in := checked(t, p, nil, news)
	resp, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: conformance.URN(topicToken, "topic"),
		Type: topicToken, Properties: conformance.Struct(t, in)})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	t.Cleanup(func() { _, _ = testAdminDelete(resp.GetId()) })
	return resp.GetId(), in, conformance.Unstruct(t, resp.GetProperties())
}

func testAdminDelete(name string) (kadm.DeleteTopicResponses, error) {
	adm, closeFn := testAdmin()
	defer closeFn()
	return adm.DeleteTopics(context.Background(), name)
}

// topicListed: the brokers' metadata still names the topic.
func topicListed(t *testing.T, name string) bool {
	t.Helper()
	adm, closeFn := testAdmin()
	defer closeFn()
	m, err := adm.Metadata(context.Background())
	if err != nil {
		t.Fatalf("metadata: %v", err)
	}
	_, ok := m.Topics[name]
	return ok
}

func read(t *testing.T, p bridged, id string, state, inputs resource.PropertyMap) (resource.PropertyMap, bool) {
	t.Helper()
	resp, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Id: id, Urn: conformance.URN(topicToken, "topic"),
		Type: topicToken, Properties: conformance.Struct(t, state), Inputs: conformance.Struct(t, inputs)})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if resp.GetId() == "" {
		return nil, false
	}
	return conformance.Unstruct(t, resp.GetProperties()), true
}

func update(t *testing.T, p bridged, id string, olds, oldInputs, news resource.PropertyMap) resource.PropertyMap {
	t.Helper()
	resp, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{Id: id, Urn: conformance.URN(topicToken, "topic"),
		Type: topicToken, Olds: conformance.Struct(t, olds), OldInputs: conformance.Struct(t, oldInputs), News: conformance.Struct(t, news)})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	return conformance.Unstruct(t, resp.GetProperties())
}

func diff(t *testing.T, p bridged, olds, oldInputs, news resource.PropertyMap) (*pulumirpc.DiffResponse, error) {
	t.Helper()
	return p.Diff(context.Background(), &pulumirpc.DiffRequest{Id: "id", Urn: conformance.URN(topicToken, "topic"),
		Type: topicToken, Olds: conformance.Struct(t, olds), OldInputs: conformance.Struct(t, oldInputs), News: conformance.Struct(t, news)})
}

// observed is the topic as the test's own client sees it: id, replicas per partition, end offsets.
type observed struct {
	id       string
	replicas map[int32][]int32
	records  int64
	config   map[string]string
}

func observe(t *testing.T, name string) observed {
	t.Helper()
	adm, closeFn := testAdmin()
	defer closeFn()
	ctx := context.Background()
	m, err := adm.Metadata(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	d := m.Topics[name]
	if d.Err != nil {
		t.Fatalf("topic %s: %v", name, d.Err)
	}
	o := observed{id: d.ID.String(), replicas: map[int32][]int32{}, config: map[string]string{}}
	for _, p := range d.Partitions.Sorted() {
		o.replicas[p.Partition] = p.Replicas
	}
	ends, err := adm.ListEndOffsets(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	ends.Each(func(l kadm.ListedOffset) { o.records += l.Offset })
	rcs, err := adm.DescribeTopicConfigs(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rcs[0].Configs {
		o.config[c.Key] = c.MaybeValue()
	}
	return o
}

// within30s polls cond until it holds or 30 s pass, and says whether it held: a broker's metadata and configs
// may trail the controller for a moment after a change (CI saw it once).
func within30s(cond func() bool) bool {
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// observeUntil observes the topic until ok holds or 30 s pass, and returns the last observation, which the
// assertions that follow judge.
func observeUntil(t *testing.T, name string, ok func(observed) bool) observed {
	t.Helper()
	var o observed
	within30s(func() bool { o = observe(t, name); return ok(o) })
	return o
}

// replicasEach: every partition has n replicas.
func replicasEach(n int) func(observed) bool {
	return func(o observed) bool {
		for _, rs := range o.replicas {
			if len(rs) != n {
				return false
			}
		}
		return len(o.replicas) > 0
	}
}

func produce(t *testing.T, name string, n int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.brokers...), kgo.DefaultProduceTopic(name))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i := 0; i < n; i++ {
		if err := cl.ProduceSync(context.Background(), kgo.StringRecord(fmt.Sprint("event ", i))).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

func num(m resource.PropertyMap, k string) int { return int(m[resource.PropertyKey(k)].NumberValue()) }

func configOf(m resource.PropertyMap) map[string]string {
	out := map[string]string{}
	if v, ok := m["config"]; ok && v.IsObject() {
		for k, e := range v.ObjectValue() {
			out[string(k)] = e.StringValue()
		}
	}
	return out
}

func TestLiveBrokersServeTheReassignmentAPIs(t *testing.T) {
	liveProvider(t, cluster.brokers)
	ok, err := apiSupport.get(context.Background())
	if err != nil || !ok {
		t.Fatalf("reassignment APIs supported = %v (%v), want true on Kafka 4", ok, err)
	}
}

func TestLiveReadReportsPartitionsReplicationAndOnlyTheTopicsOwnConfig(t *testing.T) {
	p := liveProvider(t, cluster.brokers)
	name := topicName(t)
	id, in, outs := create(t, p, map[string]any{"name": name, "partitions": float64(2), "replicationFactor": float64(1),
		"config": map[string]any{"min.insync.replicas": "1", "retention.ms": "3600000"}})
	if id != name {
		t.Errorf("id %q, want the topic name %q", id, name)
	}
	state, exists := read(t, p, id, outs, in)
	if !exists {
		t.Fatal("a topic just created reads as gone")
	}
	if num(state, "partitions") != 2 || num(state, "replicationFactor") != 1 {
		t.Errorf("read partitions %d, replicationFactor %d, want 2 and 1", num(state, "partitions"), num(state, "replicationFactor"))
	}
	want := map[string]string{"min.insync.replicas": "1", "retention.ms": "3600000"}
	if got := configOf(state); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("read config %v, want exactly the topic's own entries %v (no broker defaults)", got, want)
	}
	// Read back as created: the next preview plans nothing.
	resp, err := diff(t, p, state, in, checked(t, p, in, map[string]any{"name": name, "partitions": float64(2), "replicationFactor": float64(1),
		"config": map[string]any{"min.insync.replicas": "1", "retention.ms": "3600000"}}))
	if err != nil || resp.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("diff after create+refresh: %v %v, want no changes", resp, err)
	}
}

// Several topics created at once (as `pulumi up` does): a broker may list a new topic in its metadata
// before another broker answers DescribeConfigs for it ("This server does not host this topic-partition").
// Upstream reads no config then instead of failing; every create here must succeed, its config read back.
func TestLiveTopicsCreatedAtOnceAllSucceedAndReadBackTheirConfig(t *testing.T) {
	p := liveProvider(t, cluster.brokers)
	const n = 6
	ins := make([]resource.PropertyMap, n)
	names := make([]string, n)
	for i := range ins {
		names[i] = fmt.Sprintf("%s-%d", topicName(t), i)
		ins[i] = checked(t, p, nil, map[string]any{"name": names[i], "partitions": float64(3), "replicationFactor": float64(2),
			"config": map[string]any{"retention.ms": "3600000"}})
		name := names[i]
		t.Cleanup(func() { _, _ = testAdminDelete(name) })
	}
	errs := make(chan error, n)
	for i := range ins {
		props := conformance.Struct(t, ins[i])
		go func() {
			_, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: conformance.URN(topicToken, fmt.Sprint("topic-", i)),
				Type: topicToken, Properties: props})
			errs <- err
		}()
	}
	for range ins {
		if err := <-errs; err != nil {
			t.Errorf("create: %v", err)
		}
	}
	for i, name := range names {
		state, exists := read(t, p, name, ins[i], ins[i])
		if !exists || configOf(state)["retention.ms"] != "3600000" {
			t.Errorf("%s read back: exists %v, config %v", name, exists, configOf(state))
		}
	}
}

func TestLiveCreatingATopicThatExistsFails(t *testing.T) {
	p := liveProvider(t, cluster.brokers)
	name := topicName(t)
	create(t, p, map[string]any{"name": name, "partitions": float64(1), "replicationFactor": float64(1)})
	in := checked(t, p, nil, map[string]any{"name": name, "partitions": float64(1), "replicationFactor": float64(1)})
	_, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: conformance.URN(topicToken, "again"),
		Type: topicToken, Properties: conformance.Struct(t, in)})
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second create: %v, want a \"Topic with this name already exists\" error", err)
	}
}

func TestLiveReplicationFactorChangesInPlaceKeepingTheEvents(t *testing.T) {
	p := liveProvider(t, cluster.brokers)
	name := topicName(t)
	id, in1, outs := create(t, p, map[string]any{"name": name, "partitions": float64(2), "replicationFactor": float64(1),
		"config": map[string]any{"min.insync.replicas": "1"}})
	produce(t, name, 5)
	before := observe(t, name)

	in2 := checked(t, p, in1, map[string]any{"name": name, "partitions": float64(2), "replicationFactor": float64(2),
		"config": map[string]any{"min.insync.replicas": "2"}})
	resp, err := diff(t, p, outs, in1, in2)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetReplaces()) > 0 {
		t.Fatalf("replication 1 -> 2 plans a replacement (%v): the events would be deleted", resp.GetReplaces())
	}
	outs2 := update(t, p, id, outs, in1, in2)
	after := observeUntil(t, name, func(o observed) bool { return replicasEach(2)(o) && o.config["min.insync.replicas"] == "2" })
	if after.id != before.id {
		t.Errorf("topic id %s -> %s: the topic was recreated", before.id, after.id)
	}
	if after.records != 5 {
		t.Errorf("%d records after the change, want the 5 produced before", after.records)
	}
	for p, rs := range after.replicas {
		if len(rs) != 2 || rs[0] != before.replicas[p][0] {
			t.Errorf("partition %d replicas %v, want 2 led by %d", p, rs, before.replicas[p][0])
		}
	}
	if after.config["min.insync.replicas"] != "2" {
		t.Errorf("min.insync.replicas %q, want 2", after.config["min.insync.replicas"])
	}
	state, _ := read(t, p, id, outs2, in2)
	if num(state, "replicationFactor") != 2 {
		t.Errorf("read replicationFactor %d, want 2", num(state, "replicationFactor"))
	}

	in3 := checked(t, p, in2, map[string]any{"name": name, "partitions": float64(2), "replicationFactor": float64(1),
		"config": map[string]any{"min.insync.replicas": "1"}})
	update(t, p, id, state, in2, in3)
	lowered := observeUntil(t, name, replicasEach(1))
	for p, rs := range lowered.replicas {
		if len(rs) != 1 || rs[0] != after.replicas[p][0] {
			t.Errorf("partition %d replicas %v after lowering, want only the first, %d", p, rs, after.replicas[p][0])
		}
	}
	if lowered.id != before.id || lowered.records != 5 {
		t.Errorf("after lowering: id %s records %d, want %s and 5", lowered.id, lowered.records, before.id)
	}
}

func TestLivePartitionsGrowInPlaceAndAShrinkPlansAReplacement(t *testing.T) {
	p := liveProvider(t, cluster.brokers)
	name := topicName(t)
	id, in1, outs := create(t, p, map[string]any{"name": name, "partitions": float64(1), "replicationFactor": float64(1)})
	before := observe(t, name)
	in2 := checked(t, p, in1, map[string]any{"name": name, "partitions": float64(3), "replicationFactor": float64(1)})
	outs2 := update(t, p, id, outs, in1, in2)
	after := observeUntil(t, name, func(o observed) bool { return len(o.replicas) == 3 })
	if len(after.replicas) != 3 || after.id != before.id {
		t.Errorf("%d partitions, id %s -> %s; want 3 partitions on the same topic", len(after.replicas), before.id, after.id)
	}
	in3 := checked(t, p, in2, map[string]any{"name": name, "partitions": float64(2), "replicationFactor": float64(1)})
	resp, err := diff(t, p, outs2, in2, in3)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(resp.GetReplaces()) != "[partitions]" || !resp.GetDeleteBeforeReplace() {
		t.Errorf("3 -> 2 partitions: replaces %v deleteBeforeReplace %v, want [partitions] and true", resp.GetReplaces(), resp.GetDeleteBeforeReplace())
	}
}

func TestLiveDriftMadeByHandShowsInReadAndAnUpdateUndoesIt(t *testing.T) {
	p := liveProvider(t, cluster.brokers)
	name := topicName(t)
	id, in, outs := create(t, p, map[string]any{"name": name, "partitions": float64(1), "replicationFactor": float64(1),
		"config": map[string]any{"retention.ms": "3600000"}})
	adm, closeFn := testAdmin()
	defer closeFn()
	ctx := context.Background()
	segment := "600000"
	if _, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "segment.ms", Value: &segment}}, name); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.UpdatePartitions(ctx, 2, name); err != nil {
		t.Fatal(err)
	}
	// CreatePartitions returns once the controller has accepted it; a broker's metadata may still show
	// one partition for a moment (CI saw it once). Drift made by hand must show in Read within 30 s.
	var state resource.PropertyMap
	if !within30s(func() bool {
		var exists bool
		if state, exists = read(t, p, id, outs, in); !exists {
			t.Fatal("topic reads as gone")
		}
		return num(state, "partitions") == 2 && configOf(state)["segment.ms"] == "600000"
	}) {
		t.Fatalf("30 s after the hand-made changes Read shows %d partitions and config %v, want the 2 partitions and segment.ms made by hand",
			num(state, "partitions"), configOf(state))
	}
	if got := configOf(state); got["segment.ms"] != "600000" || got["retention.ms"] != "3600000" {
		t.Errorf("read config %v, want the hand-made segment.ms beside retention.ms", got)
	}
	// The program still says 1 partition: upstream plans a replacement, and a config update.
	resp, err := diff(t, p, state, in, in)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(resp.GetReplaces()) != "[partitions]" || !strings.Contains(fmt.Sprint(resp.GetDiffs()), "config") {
		t.Errorf("diff after drift: replaces %v diffs %v, want [partitions] replaced and config changed", resp.GetReplaces(), resp.GetDiffs())
	}
	// With the program at 2 partitions, the update removes the hand-made key.
	in2 := checked(t, p, in, map[string]any{"name": name, "partitions": float64(2), "replicationFactor": float64(1),
		"config": map[string]any{"retention.ms": "3600000"}})
	update(t, p, id, state, in, in2)
	// DescribeConfigs lists every key; the hand-made value must be gone, back to the broker default.
	if now := observeUntil(t, name, func(o observed) bool { return o.config["segment.ms"] != "600000" }).config["segment.ms"]; now == "600000" {
		t.Errorf("segment.ms is still 600000 after the update, want it back at its default")
	}
}

func TestLiveATopicDeletedByHandIsGoneAndDeletingItAgainFails(t *testing.T) {
	p := liveProvider(t, cluster.brokers)
	name := topicName(t)
	id, in, outs := create(t, p, map[string]any{"name": name, "partitions": float64(1), "replicationFactor": float64(1)})
	if _, err := testAdminDelete(name); err != nil {
		t.Fatal(err)
	}
	// Kafka deletes asynchronously: while metadata still lists the topic, its configs already answer
	// UNKNOWN_TOPIC_OR_PARTITION (upstream's Read fails then too). Read once the brokers have finished.
	deadline := time.Now().Add(30 * time.Second)
	for topicListed(t, name) {
		if time.Now().After(deadline) {
			t.Fatal("the brokers still list the topic 30 s after its deletion")
		}
		time.Sleep(200 * time.Millisecond)
	}
	for {
		if _, exists := read(t, p, id, outs, in); !exists {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a deleted topic still reads as existing after 30 s")
		}
		time.Sleep(time.Second)
	}
	_, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{Id: id, Urn: conformance.URN(topicToken, "topic"),
		Type: topicToken, Properties: conformance.Struct(t, outs)})
	if err == nil {
		t.Error("deleting a topic that is already gone succeeded; upstream fails (refresh forgets it first)")
	}
}

func TestLiveDeleteRemovesTheTopic(t *testing.T) {
	p := liveProvider(t, cluster.brokers)
	name := topicName(t)
	id, _, outs := create(t, p, map[string]any{"name": name, "partitions": float64(1), "replicationFactor": float64(1)})
	if _, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{Id: id, Urn: conformance.URN(topicToken, "topic"),
		Type: topicToken, Properties: conformance.Struct(t, outs)}); err != nil {
		t.Fatal(err)
	}
	// Deletion is asynchronous in Kafka: the topic must be gone from every broker's listing within 30 s.
	if !within30s(func() bool { return !topicListed(t, name) }) {
		t.Fatalf("topic %s still listed 30 s after delete", name)
	}
}

func TestLiveAReplicationChangeCannotBePlannedWithoutABroker(t *testing.T) {
	p := liveProvider(t, []string{"127.0.0.1:1"})
	olds := conformance.Props(map[string]any{"name": "t", "partitions": float64(1), "replicationFactor": float64(1)})
	in1 := checked(t, p, nil, map[string]any{"name": "t", "partitions": float64(1), "replicationFactor": float64(1)})
	in2 := checked(t, p, in1, map[string]any{"name": "t", "partitions": float64(1), "replicationFactor": float64(3)})
	if _, err := diff(t, p, olds, in1, in2); err == nil {
		t.Error("diff of a replication change succeeded with no broker; upstream's CustomizeDiff asks the cluster and fails")
	}
	in3 := checked(t, p, in1, map[string]any{"name": "t", "partitions": float64(2), "replicationFactor": float64(1)})
	if _, err := diff(t, p, olds, in1, in3); err != nil {
		t.Errorf("diff of a partition change needs no broker upstream, got %v", err)
	}
}
