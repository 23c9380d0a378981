package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"herald/internal/rediscluster"
)

// newClusterRig starts a Redis Cluster of 3 masters, each with replicas
// replicas (node timeout 3s, so a dead master is replaced in seconds), and
// the SMTP sink. Herald is given the cluster URL and waits for one replica
// on its lease and cursor writes when the cluster has replicas.
func newClusterRig(t *testing.T, replicas int) *rig {
	t.Helper()
	needCluster(t)
	r := &rig{t: t, now: time.Now().UTC().Truncate(time.Millisecond)}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := rediscluster.Start(ctx, rediscluster.Options{Masters: 3, Replicas: replicas, NodeTimeout: 3 * time.Second, Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	t.Cleanup(c.Stop)
	r.cluster, r.url = c, c.URL()
	rdb := c.Client()
	t.Cleanup(func() { _ = rdb.Close() })
	r.rdb = rdb
	if replicas > 0 {
		r.extraEnv = append(r.extraEnv, fmt.Sprintf("HERALD_REDIS_WAIT_REPLICAS=%d", replicas))
	}
	r.startSink()
	return r
}

// needCluster skips (or fails, with HERALD_TEST_REQUIRE_REDIS=1) without
// redis-cli, which joins the nodes.
func needCluster(t *testing.T) {
	t.Helper()
	needFull(t)
	if _, err := exec.LookPath("redis-cli"); err != nil {
		if os.Getenv("HERALD_TEST_REQUIRE_REDIS") == "1" {
			t.Fatal("redis-cli not on PATH and HERALD_TEST_REQUIRE_REDIS=1")
		}
		t.Skip("redis-cli not on PATH: install redis-tools to run the cluster scenarios")
	}
}

// dueByMaster is how many due entries each master holds now, scanning
// every master for the due set's keys.
func (r *rig) dueByMaster(ctx context.Context) (map[*rediscluster.Node]int64, error) {
	keys, err := dueKeys(ctx, r.rdb)
	if err != nil {
		return nil, err
	}
	out := map[*rediscluster.Node]int64{}
	for _, k := range keys {
		m, err := r.cluster.MasterOf(ctx, k)
		if err != nil {
			return nil, err
		}
		n, err := r.rdb.ZCard(ctx, k).Result()
		if err != nil {
			return nil, fmt.Errorf("zcard %s: %w", k, err)
		}
		out[m] += n
	}
	return out, nil
}

// busiestDueMaster is the master holding the most due entries now, and the
// subscriber IDs in its due keys.
func (r *rig) busiestDueMaster() (*rediscluster.Node, []string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	counts, err := r.dueByMaster(ctx)
	if err != nil {
		r.t.Fatalf("due entries by master: %v", err)
	}
	var best *rediscluster.Node
	for m, n := range counts {
		if best == nil || n > counts[best] {
			best = m
		}
	}
	if best == nil {
		r.t.Fatal("no due entries on any master")
	}
	return best, r.dueMembersOn(ctx, best)
}

// dueMembersOn lists the subscriber IDs in the due keys held by master.
func (r *rig) dueMembersOn(ctx context.Context, master *rediscluster.Node) []string {
	r.t.Helper()
	keys, err := dueKeys(ctx, r.rdb)
	if err != nil {
		r.t.Fatalf("due keys: %v", err)
	}
	var ids []string
	for _, k := range keys {
		if m, err := r.cluster.MasterOf(ctx, k); err != nil || m != master {
			continue
		}
		members, err := r.rdb.ZRange(ctx, k, 0, -1).Result()
		if err != nil {
			r.t.Fatalf("zrange %s: %v", k, err)
		}
		ids = append(ids, members...)
	}
	return ids
}

// cutOffReplica stops master's replica (SIGSTOP) and drops the master's
// replication links (CLIENT KILL TYPE replica), so the master's next writes
// never reach it. It returns the replica.
func (r *rig) cutOffReplica(master *rediscluster.Node) *rediscluster.Node {
	r.t.Helper()
	ctx := context.Background()
	replica := r.replicaOf(master)
	if err := replica.Pause(); err != nil {
		r.t.Fatal(err)
	}
	rdb := master.Client()
	defer rdb.Close()
	if err := rdb.Do(ctx, "CLIENT", "KILL", "TYPE", "replica").Err(); err != nil {
		r.t.Fatalf("CLIENT KILL TYPE replica on %s: %v", master.Addr, err)
	}
	return replica
}

// waitPromoted waits until node is a master and every running master
// reports cluster_state:ok, and returns when that was seen.
func (r *rig) waitPromoted(node *rediscluster.Node, limit time.Duration) time.Time {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	err := poll(ctx, func() bool {
		ok, err := node.IsMaster(ctx)
		return err == nil && ok && r.clusterOK(ctx)
	})
	if err != nil {
		r.t.Fatalf("%s not promoted within %v: %v", node.Addr, limit, err)
	}
	return time.Now()
}

// clusterOK reports whether every running master serves its slots.
func (r *rig) clusterOK(ctx context.Context) bool {
	masters, err := r.cluster.Masters(ctx)
	if err != nil {
		return false
	}
	for _, m := range masters {
		rdb := m.Client()
		info, err := rdb.ClusterInfo(ctx).Result()
		_ = rdb.Close()
		if err != nil || !strings.Contains(info, "cluster_state:ok") {
			return false
		}
	}
	return len(masters) > 0
}

// firstDeliveryTo waits until one of addrs gets a message received after
// since, and returns when it was received.
func (r *rig) firstDeliveryTo(addrs map[string]bool, since time.Time, limit time.Duration) (time.Time, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var first time.Time
	_ = poll(ctx, func() bool {
		for _, m := range r.sink.Messages() {
			if len(m.To) == 1 && addrs[strings.ToLower(m.To[0])] && m.ReceivedAt.After(since) {
				if first.IsZero() || m.ReceivedAt.Before(first) {
					first = m.ReceivedAt
				}
			}
		}
		return !first.IsZero()
	})
	return first, !first.IsZero()
}
