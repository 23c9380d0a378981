package redistest

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"herald/internal/rediscluster"
)

// URL is a HERALD_REDIS_URL naming the package's Redis, for tests that start
// a separate process against it: redis://host:port/0 for a single server,
// redis://h1:p1?addr=h2:p2&addr=h3:p3 for the cluster.
func URL(tb testing.TB) string {
	tb.Helper()
	mustStart(tb)
	switch {
	case cluster != nil:
		return cluster.c.URL()
	case url != "":
		return url
	default:
		return "redis://" + addr + "/0"
	}
}

// Keys lists, sorted, the keys matching pattern on every master of rdb's
// Redis: a SCAN of one node of a cluster sees a third of its keys, which
// makes a "nothing was written" check pass without checking.
func Keys(tb testing.TB, rdb redis.UniversalClient, pattern string) []string {
	tb.Helper()
	keys, err := rediscluster.ScanAll(context.Background(), rdb, pattern)
	if err != nil {
		tb.Fatalf("redistest: keys %q: %v", pattern, err)
	}
	return keys
}

// deletePrefix deletes the prefix's keys on every master, one key a
// command: a multi-key DEL across slots is refused (CROSSSLOT) on a cluster.
func deletePrefix(rdb redis.UniversalClient, prefix string) {
	ctx := context.Background()
	keys, _ := rediscluster.ScanAll(ctx, rdb, prefix+"*")
	for _, k := range keys {
		rdb.Del(ctx, k)
	}
}
