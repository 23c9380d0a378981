package redistest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
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
	keys, err := ScanAll(context.Background(), rdb, pattern)
	if err != nil {
		tb.Fatalf("redistest: keys %q: %v", pattern, err)
	}
	return keys
}

// ScanAll is Keys without a test: the keys matching pattern on every master
// (or the one server), sorted.
func ScanAll(ctx context.Context, rdb redis.UniversalClient, pattern string) ([]string, error) {
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		keys, err := scanNode(ctx, rdb, pattern)
		sort.Strings(keys)
		return keys, err
	}
	var mu sync.Mutex
	var all []string
	err := cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		keys, err := scanNode(ctx, node, pattern)
		mu.Lock()
		all = append(all, keys...)
		mu.Unlock()
		return err
	})
	sort.Strings(all)
	return all, err
}

// scanNode lists the keys matching pattern on one node.
func scanNode(ctx context.Context, rdb redis.Cmdable, pattern string) ([]string, error) {
	var keys []string
	iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return keys, fmt.Errorf("scan %q: %w", pattern, err)
	}
	return keys, nil
}

// deletePrefix deletes the prefix's keys on every master, one key a
// command: a multi-key DEL across slots is refused (CROSSSLOT) on a cluster.
func deletePrefix(rdb redis.UniversalClient, prefix string) {
	ctx := context.Background()
	keys, _ := ScanAll(ctx, rdb, prefix+"*")
	for _, k := range keys {
		rdb.Del(ctx, k)
	}
}
