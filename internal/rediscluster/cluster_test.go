package rediscluster_test

import (
	"context"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"herald/internal/rediscluster"
	"herald/internal/redistest"
)

// The slot map, MasterOf and a scan of every master agree with where the
// keys really are, and a one-node scan would have missed most of them.
func TestClusterFindsEveryKey(t *testing.T) {
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not on PATH", bin)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := rediscluster.Start(ctx, rediscluster.Options{Masters: 3, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	counts, err := c.SlotCount(ctx)
	if err != nil || len(counts) != 3 || counts[c.Nodes[0].Addr]+counts[c.Nodes[1].Addr]+counts[c.Nodes[2].Addr] != 16384 {
		t.Fatalf("slot counts %v, %v: want 16384 slots over 3 masters", counts, err)
	}
	rdb := c.Client()
	defer rdb.Close()
	const n = 30
	for i := range n {
		key := fmt.Sprintf("k:%d", i)
		rdb.Set(ctx, key, "v", 0)
		m, err := c.MasterOf(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		node := m.Client()
		if got, _ := node.Exists(ctx, key).Result(); got != 1 {
			t.Errorf("%s: MasterOf says %s, which does not hold it", key, m.Addr)
		}
		node.Close()
	}
	if keys := redistest.Keys(t, rdb, "k:*"); len(keys) != n {
		t.Errorf("Keys found %d of %d keys", len(keys), n)
	}
	if one, _ := c.Nodes[0].Client().Keys(ctx, "k:*").Result(); len(one) == n {
		t.Errorf("one node holds all %d keys: the keys did not spread", n)
	}
}
