package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"herald/internal/rediscluster"
)

// openRedis connects to url with a pool sized for the seeding goroutines: a
// cluster client for go-redis's cluster form (redis://h1:p1?addr=h2:p2),
// else a single-node client.
func openRedis(ctx context.Context, url string, poolSize int) (redis.UniversalClient, error) {
	rdb, err := newRedis(url, poolSize)
	if err != nil {
		return nil, err
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("bench: redis at %s: %w", url, err)
	}
	return rdb, nil
}

func newRedis(url string, poolSize int) (redis.UniversalClient, error) {
	if strings.Contains(url, "addr=") {
		opt, err := redis.ParseClusterURL(url)
		if err != nil {
			return nil, fmt.Errorf("bench: -redis-url: %w", err)
		}
		opt.PoolSize = max(opt.PoolSize, poolSize)
		return redis.NewClusterClient(opt), nil
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("bench: -redis-url: %w", err)
	}
	if poolSize > 0 {
		opt.PoolSize = poolSize
	}
	return redis.NewClient(opt), nil
}

// startCluster starts a private cluster of n masters without replicas.
func startCluster(ctx context.Context, n int) (*rediscluster.Cluster, error) {
	c, err := rediscluster.Start(ctx, rediscluster.Options{Masters: n})
	if err != nil {
		return nil, fmt.Errorf("bench: -cluster %d: %w", n, err)
	}
	return c, nil
}

// clearPrefix deletes every key under prefix on every master, for a shared
// Redis: one UNLINK a key, pipelined (a cluster refuses a multi-key UNLINK
// across slots with CROSSSLOT; the cluster client splits the pipeline by
// node).
func clearPrefix(ctx context.Context, rdb redis.UniversalClient, prefix string) error {
	keys, err := rediscluster.ScanAll(ctx, rdb, prefix+"*")
	if err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		pipe := rdb.Pipeline()
		for _, k := range keys[:n] {
			pipe.Unlink(ctx, k)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// masterStats is one master's counters at an instant.
type masterStats struct {
	calls      int64   // INFO commandstats calls, commands inside scripts included
	commands   int64   // INFO stats total_commands_processed
	cpuSeconds float64 // INFO cpu used_cpu_user + used_cpu_sys
	usedMemory int64   // INFO memory used_memory
}

// readMasters reads every master's counters, by address.
func readMasters(ctx context.Context, rdb redis.UniversalClient) (map[string]masterStats, error) {
	out := map[string]masterStats{}
	var mu sync.Mutex
	read := func(ctx context.Context, node *redis.Client) error {
		st, err := readStats(ctx, node)
		mu.Lock()
		out[node.Options().Addr] = st
		mu.Unlock()
		return err
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		return out, cc.ForEachMaster(ctx, read)
	}
	return out, read(ctx, rdb.(*redis.Client))
}

func readStats(ctx context.Context, node *redis.Client) (masterStats, error) {
	info, err := node.Info(ctx, "commandstats", "stats", "cpu", "memory").Result()
	if err != nil {
		return masterStats{}, fmt.Errorf("bench: INFO on %s: %w", node.Options().Addr, err)
	}
	calls, err := commandCalls(info)
	num := func(name string) float64 {
		v, _ := strconv.ParseFloat(rediscluster.InfoField(info, name), 64)
		return v
	}
	return masterStats{calls: calls, commands: int64(num("total_commands_processed")),
		cpuSeconds: num("used_cpu_user") + num("used_cpu_sys"), usedMemory: int64(num("used_memory"))}, err
}

// commandCalls sums the calls of every command in INFO commandstats.
func commandCalls(info string) (int64, error) {
	var total int64
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "cmdstat_") {
			continue
		}
		_, rest, ok := strings.Cut(sc.Text(), ":calls=")
		if !ok {
			continue
		}
		n, _, _ := strings.Cut(rest, ",")
		v, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return 0, errors.New("bench: INFO commandstats: bad calls value")
		}
		total += v
	}
	return total, nil
}

// MasterLoad is one master's share of a run: commands processed and CPU.
type MasterLoad struct {
	Addr       string  `json:"addr"`
	Commands   int64   `json:"commands"`
	CPUSeconds float64 `json:"cpu_seconds"`
}

// masterDeltas are the per-master loads between two readings, the total of
// the INFO commandstats calls, and the busiest master's share of commands.
func masterDeltas(before, after map[string]masterStats) (loads []MasterLoad, calls int64, busiest float64) {
	var total, most int64
	for addr, a := range after {
		b := before[addr]
		l := MasterLoad{Addr: addr, Commands: a.commands - b.commands, CPUSeconds: round(a.cpuSeconds-b.cpuSeconds, 2)}
		loads = append(loads, l)
		calls += a.calls - b.calls
		total += l.Commands
		most = max(most, l.Commands)
	}
	if total > 0 {
		busiest = round(float64(most)/float64(total), 3)
	}
	return loads, calls, busiest
}

// usedMemory sums used_memory over the masters.
func usedMemory(m map[string]masterStats) int64 {
	var n int64
	for _, s := range m {
		n += s.usedMemory
	}
	return n
}
