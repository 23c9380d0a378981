package rediscluster

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// WaitHealthy waits until every running node reports cluster_state:ok and
// every master has replicas replicas in sync (master_link_status:up).
func (c *Cluster) WaitHealthy(ctx context.Context, replicas int) error {
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		err := poll(ctx, 30*time.Second, func(ctx context.Context) error { return nodeHealthy(ctx, n, replicas) })
		if err != nil {
			return err
		}
	}
	return nil
}

func nodeHealthy(ctx context.Context, n *Node, replicas int) error {
	rdb := n.Client()
	info, err := rdb.ClusterInfo(ctx).Result()
	_ = rdb.Close()
	if err != nil {
		return fmt.Errorf("rediscluster: CLUSTER INFO on %s: %w", n.Addr, err)
	}
	if state := field(info, "cluster_state"); state != "ok" {
		return fmt.Errorf("%s: cluster_state:%s", n.Addr, state)
	}
	repl, err := n.Info(ctx, "replication")
	if err != nil {
		return err
	}
	switch field(repl, "role") {
	case "master":
		if got := field(repl, "connected_slaves"); got != strconv.Itoa(replicas) && replicas > 0 {
			return fmt.Errorf("%s: %s of %d replicas connected", n.Addr, got, replicas)
		}
	case "slave":
		if field(repl, "master_link_status") != "up" {
			return fmt.Errorf("%s: replica link down", n.Addr)
		}
	}
	return nil
}

// Info is the node's INFO section.
func (n *Node) Info(ctx context.Context, section string) (string, error) {
	rdb := n.Client()
	defer rdb.Close()
	info, err := rdb.Info(ctx, section).Result()
	if err != nil {
		return "", fmt.Errorf("rediscluster: INFO %s on %s: %w", section, n.Addr, err)
	}
	return info, nil
}

// InfoField is one field of an INFO section, "" when absent.
func InfoField(info, name string) string { return field(info, name) }

func field(info, name string) string {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}

// IsMaster reports whether the node is a master now.
func (n *Node) IsMaster(ctx context.Context) (bool, error) {
	repl, err := n.Info(ctx, "replication")
	return field(repl, "role") == "master", err
}

// Masters are the running nodes that are masters now.
func (c *Cluster) Masters(ctx context.Context) ([]*Node, error) {
	var out []*Node
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		ok, err := n.IsMaster(ctx)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, n)
		}
	}
	return out, nil
}

// Node is the node at addr, nil when none.
func (c *Cluster) Node(addr string) *Node {
	for _, n := range c.Nodes {
		if n.Addr == addr {
			return n
		}
	}
	return nil
}

// MasterOf is the master serving key's slot now (CLUSTER KEYSLOT, then
// CLUSTER SHARDS as a running node sees it).
func (c *Cluster) MasterOf(ctx context.Context, key string) (*Node, error) {
	shards, err := c.shards(ctx)
	if err != nil {
		return nil, err
	}
	ask := c.anyRunning()
	rdb := ask.Client()
	defer rdb.Close()
	slot, err := rdb.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("rediscluster: CLUSTER KEYSLOT %q: %w", key, err)
	}
	for _, s := range shards {
		if slot >= s.from && slot <= s.to {
			return c.Node(s.master), nil
		}
	}
	return nil, fmt.Errorf("rediscluster: no master serves slot %d of %q", slot, key)
}

// ReplicaOf is a replica of master, nil when it has none.
func (c *Cluster) ReplicaOf(ctx context.Context, master *Node) (*Node, error) {
	for _, n := range c.Nodes {
		if !n.Running() || n == master {
			continue
		}
		repl, err := n.Info(ctx, "replication")
		if err != nil {
			return nil, err
		}
		if field(repl, "role") == "slave" && "127.0.0.1:"+field(repl, "master_port") == master.Addr {
			return n, nil
		}
	}
	return nil, nil
}

func (c *Cluster) anyRunning() *Node {
	for _, n := range c.Nodes {
		if n.Running() {
			return n
		}
	}
	return c.Nodes[0]
}

// ID is the node's cluster ID (CLUSTER MYID).
func (n *Node) ID(ctx context.Context) (string, error) {
	rdb := n.Client()
	defer rdb.Close()
	id, err := rdb.Do(ctx, "CLUSTER", "MYID").Text()
	if err != nil {
		return "", fmt.Errorf("rediscluster: CLUSTER MYID on %s: %w", n.Addr, err)
	}
	return id, nil
}
