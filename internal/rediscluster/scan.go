package rediscluster

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/redis/go-redis/v9"
)

// ScanAll lists, sorted, the keys matching pattern on every master of
// rdb's Redis (or on the one server): a SCAN of one node of a cluster sees
// only that node's keys.
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
