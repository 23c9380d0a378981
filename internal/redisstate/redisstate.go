// Package redisstate tells whether Redis can serve Herald, for start-up and
// for /readyz: on a cluster that means every master says every slot is
// served, not that one random node answers PING.
package redisstate

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Ready reports whether rdb can serve: a single node or a Sentinel's
// primary answers PING; every master of a cluster says cluster_state:ok.
func Ready(ctx context.Context, rdb redis.UniversalClient) error {
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		return rdb.Ping(ctx).Err()
	}
	if err := cc.Ping(ctx).Err(); err != nil {
		return err
	}
	return cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		info, err := node.ClusterInfo(ctx).Result()
		if err != nil {
			return fmt.Errorf("%s: %w", node.Options().Addr, err)
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return fmt.Errorf("%s: cluster state is not ok (not every slot is served)", node.Options().Addr)
		}
		return nil
	})
}
