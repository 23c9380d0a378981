package rediscluster

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// slotRange is a range of slots and the master serving it.
type slotRange struct {
	from, to int64
	master   string
}

// shards is the slot map as the first answering node sees it (CLUSTER
// SHARDS).
func (c *Cluster) shards(ctx context.Context) ([]slotRange, error) {
	var last error
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		slots, err := clusterSlots(ctx, n)
		if err == nil {
			return slots, nil
		}
		last = err
	}
	return nil, fmt.Errorf("rediscluster: no node gave its slot map: %w", last)
}

func clusterSlots(ctx context.Context, n *Node) ([]slotRange, error) {
	rdb := n.Client()
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	shards, err := rdb.ClusterShards(ctx).Result()
	if err != nil {
		return nil, err
	}
	var out []slotRange
	for _, s := range shards {
		master := shardMaster(s)
		for _, sl := range s.Slots {
			if master != "" {
				out = append(out, slotRange{from: sl.Start, to: sl.End, master: master})
			}
		}
	}
	return out, nil
}

// shardMaster is the address of the shard's healthy master, "" if none.
func shardMaster(s redis.ClusterShard) string {
	for _, n := range s.Nodes {
		if n.Role == "master" && n.Health == "online" {
			return net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10))
		}
	}
	return ""
}

// SlotCount is how many slots each master serves, by address.
func (c *Cluster) SlotCount(ctx context.Context) (map[string]int64, error) {
	shards, err := c.shards(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, s := range shards {
		out[s.master] += s.to - s.from + 1
	}
	return out, nil
}

// ForEachMaster calls fn with a client of each master now serving slots.
func (c *Cluster) ForEachMaster(ctx context.Context, fn func(*Node, *redis.Client) error) error {
	counts, err := c.SlotCount(ctx)
	if err != nil {
		return err
	}
	for addr := range counts {
		n := c.Node(addr)
		rdb := n.Client()
		err := fn(n, rdb)
		_ = rdb.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
