package main

// The live tests run against a real two-node KRaft cluster from the project's local kafka image (node 1
// broker+controller, node 2 broker only, 256 MB heaps): two brokers are the fewest that let a
// replication factor change for real. TestMain starts it once and removes it afterwards.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"lakehouse.local/toolchain/providers/internal/livetest"
)

var cluster struct {
	brokers    []string
	containers []string
	network    string
}

func TestMain(m *testing.M) {
	err := startCluster()
	code := 1
	if err != nil {
		fmt.Fprintf(os.Stderr, "kafka live tests: %v\n", err)
	} else {
		code = m.Run()
	}
	stopCluster()
	os.Exit(code)
}

func startCluster() error {
	image, err := livetest.LocalImage("kafka", "kafka")
	if err != nil {
		return err
	}
	suffix := livetest.Suffix()
	cluster.network = "lh-standin-kafka-" + suffix
	if _, err := livetest.Docker("network", "create", cluster.network); err != nil {
		return err
	}
	common := map[string]string{
		"CLUSTER_ID":                                             "c3RhbmRpbi10ZXN0cy0xMg",
		"KAFKA_CONTROLLER_QUORUM_VOTERS":                         "1@k1:29093",
		"KAFKA_CONTROLLER_LISTENER_NAMES":                        "CONTROLLER",
		"KAFKA_INTER_BROKER_LISTENER_NAME":                       "PLAINTEXT",
		"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP":                   "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
		"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR":                 "1",
		"KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR":         "1",
		"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR":                    "1",
		"KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": "1",
		"KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR":            "1",
		"KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS":                 "0",
		"KAFKA_HEAP_OPTS":                                        "-Xmx256m -Xms256m",
	}
	for node := 1; node <= 2; node++ {
		port, err := livetest.FreePort()
		if err != nil {
			return err
		}
		host := fmt.Sprintf("k%d", node)
		env := map[string]string{
			"KAFKA_NODE_ID":              fmt.Sprint(node),
			"KAFKA_ADVERTISED_LISTENERS": fmt.Sprintf("PLAINTEXT://%s:19092,PLAINTEXT_HOST://127.0.0.1:%d", host, port),
		}
		if node == 1 {
			env["KAFKA_PROCESS_ROLES"] = "broker,controller"
			env["KAFKA_LISTENERS"] = fmt.Sprintf("CONTROLLER://:29093,PLAINTEXT://:19092,PLAINTEXT_HOST://:%d", port)
		} else {
			env["KAFKA_PROCESS_ROLES"] = "broker"
			env["KAFKA_LISTENERS"] = fmt.Sprintf("PLAINTEXT://:19092,PLAINTEXT_HOST://:%d", port)
		}
		for k, v := range common {
			env[k] = v
		}
		name := fmt.Sprintf("lh-standin-kafka-%s-%d", suffix, node)
		args := []string{"run", "-d", "--name", name, "--hostname", host, "--network", cluster.network,
			"--network-alias", host, "-p", fmt.Sprintf("127.0.0.1:%d:%d", port, port)}
		for k, v := range env {
			args = append(args, "-e", k+"="+v)
		}
		args = append(args, image)
		if _, err := livetest.Docker(args...); err != nil {
			return err
		}
		cluster.containers = append(cluster.containers, name)
		cluster.brokers = append(cluster.brokers, fmt.Sprintf("127.0.0.1:%d", port))
	}
	for _, c := range cluster.containers {
		if err := livetest.WaitHealthy(c, 4*time.Minute); err != nil {
			return err
		}
	}
	// Both brokers registered with the controller: a replication factor of 2 can be placed.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		n, err := brokerCount(ctx)
		if err == nil && n == 2 {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("the cluster did not register 2 brokers (last: %d, %v)", n, err)
		}
		time.Sleep(time.Second)
	}
}

func brokerCount(ctx context.Context) (int, error) {
	adm, closeFn := testAdmin()
	defer closeFn()
	bs, err := adm.ListBrokers(ctx)
	return len(bs), err
}

func stopCluster() {
	for _, c := range cluster.containers {
		if _, err := livetest.Docker("rm", "-f", "-v", c); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	if cluster.network != "" {
		if _, err := livetest.Docker("network", "rm", cluster.network); err != nil && !strings.Contains(err.Error(), "not found") {
			fmt.Fprintln(os.Stderr, err)
		}
	}
}

// testAdmin is a client of the test's own, independent of the provider's code, for setting up drift
// and checking the live topic.
func testAdmin() (*kadm.Client, func()) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.brokers...))
	if err != nil {
		panic(err)
	}
	return kadm.NewClient(cl), cl.Close
}
