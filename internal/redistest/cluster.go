package redistest

import (
	"context"
	"fmt"
	"os/exec"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/rediscluster"
)

// testCluster is the package's private 3-master Redis Cluster.
type testCluster struct {
	c     *rediscluster.Cluster
	addrs []string
}

// startCluster starts 3 masters on loopback (no replicas) and waits until
// every node reports cluster_state:ok, trying three times (a probed free
// port can be taken before redis-server binds it).
func startCluster() (*testCluster, error) {
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			return nil, fmt.Errorf("HERALD_TEST_CLUSTER=1 needs %s on PATH: %w", bin, err)
		}
	}
	var err error
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		var c *rediscluster.Cluster
		c, err = rediscluster.Start(ctx, rediscluster.Options{Masters: 3})
		cancel()
		if err == nil {
			return &testCluster{c: c, addrs: c.Addrs()}, nil
		}
	}
	return nil, err
}

// client is a cluster client with a short slot-map reload, as Herald's own.
func (tc *testCluster) client() redis.UniversalClient {
	return redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: tc.addrs, ClusterStateReloadInterval: 2 * time.Second,
	})
}

func (tc *testCluster) stop() { tc.c.Stop() }
