// Package rediscluster starts a private Redis Cluster on loopback: N masters,
// each with R replicas, made of redis-server processes and joined with
// `redis-cli --cluster create`. The tests, the fault scenarios and the bench
// run Herald against it; it can kill, pause and resume single nodes.
package rediscluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options says what cluster to start.
type Options struct {
	Masters     int           // 3 unless set
	Replicas    int           // replicas per master
	NodeTimeout time.Duration // cluster-node-timeout; Redis' default (15s) unless set
	Dir         string        // for the nodes' config files; a new temporary directory unless set
}

// Cluster is a running cluster of private redis-server processes.
type Cluster struct {
	Nodes   []*Node
	dir     string
	ownDir  bool
	masters int
}

// Start starts the cluster and waits until every node reports
// cluster_state:ok and every replica is in sync with its master.
func Start(ctx context.Context, opt Options) (*Cluster, error) {
	if opt.Masters == 0 {
		opt.Masters = 3
	}
	c := &Cluster{dir: opt.Dir, masters: opt.Masters}
	if c.dir == "" {
		dir, err := os.MkdirTemp("", "herald-cluster-")
		if err != nil {
			return nil, fmt.Errorf("rediscluster: %w", err)
		}
		c.dir, c.ownDir = dir, true
	}
	if err := c.start(ctx, opt); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context, opt Options) error {
	n := opt.Masters * (1 + opt.Replicas)
	ports, err := freePorts(n)
	if err != nil {
		return err
	}
	for _, p := range ports {
		node, err := startNode(ctx, c.dir, p, opt.NodeTimeout)
		if err != nil {
			return err
		}
		c.Nodes = append(c.Nodes, node)
	}
	if err := c.create(ctx, opt.Replicas); err != nil {
		return err
	}
	return c.WaitHealthy(ctx, opt.Replicas)
}

// create joins the nodes: `redis-cli --cluster create`.
func (c *Cluster) create(ctx context.Context, replicas int) error {
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("rediscluster: redis-cli --cluster create: %w\n%s", err, out)
	}
	return nil
}

// Addrs are the host:port of every node, in start order.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr
	}
	return out
}

// URL is a HERALD_REDIS_URL for the cluster: go-redis's form
// redis://h1:p1?addr=h2:p2&addr=h3:p3, seeded with the first masters.
func (c *Cluster) URL() string {
	addrs := c.Addrs()[:c.masters]
	var b strings.Builder
	b.WriteString("redis://" + addrs[0])
	for i, a := range addrs[1:] {
		b.WriteString(map[bool]string{true: "?", false: "&"}[i == 0] + "addr=" + a)
	}
	return b.String()
}

// Client is a cluster client that reloads the slot map every second, so it
// follows a failover within seconds.
func (c *Cluster) Client() *redis.ClusterClient {
	return redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: c.Addrs(), ClusterStateReloadInterval: time.Second, DialTimeout: time.Second,
	})
}

// Stop kills every node and removes the config files.
func (c *Cluster) Stop() {
	for _, n := range c.Nodes {
		n.kill()
	}
	if c.ownDir {
		_ = os.RemoveAll(c.dir)
	}
}

// Node is one redis-server process of the cluster.
type Node struct {
	Addr   string
	cmd    *exec.Cmd
	exited chan struct{}
}

func startNode(ctx context.Context, dir string, port int, timeout time.Duration) (*Node, error) {
	p := strconv.Itoa(port)
	args := []string{"--port", p, "--bind", "127.0.0.1", "--cluster-enabled", "yes",
		"--cluster-config-file", filepath.Join(dir, "nodes-"+p+".conf"), "--dir", dir,
		"--save", "", "--appendonly", "no", "--loglevel", "warning"}
	if timeout > 0 {
		args = append(args, "--cluster-node-timeout", strconv.FormatInt(timeout.Milliseconds(), 10))
	}
	cmd := exec.Command("redis-server", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("rediscluster: start redis-server: %w", err)
	}
	n := &Node{Addr: net.JoinHostPort("127.0.0.1", p), cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(n.exited) }()
	if err := n.waitPing(ctx); err != nil {
		n.kill()
		return nil, err
	}
	return n, nil
}

// PID is the node's process ID.
func (n *Node) PID() int { return n.cmd.Process.Pid }

// Kill9 kills the node with SIGKILL (Redis 7 refuses DEBUG SEGFAULT) and
// waits for it to end.
func (n *Node) Kill9() error {
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("rediscluster: kill -9 %s: %w", n.Addr, err)
	}
	<-n.exited
	return nil
}

// Pause stops the node with SIGSTOP: it holds its connections but answers
// nothing, as a node cut off by the network does.
func (n *Node) Pause() error { return n.signal(syscall.SIGSTOP) }

// Resume continues a paused node (SIGCONT).
func (n *Node) Resume() error { return n.signal(syscall.SIGCONT) }

// Running reports whether the process is still alive.
func (n *Node) Running() bool {
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

func (n *Node) signal(sig syscall.Signal) error {
	if err := n.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("rediscluster: %v to %s: %w", sig, n.Addr, err)
	}
	return nil
}

func (n *Node) kill() {
	if n.Running() {
		_ = n.cmd.Process.Signal(syscall.SIGCONT) // a paused process dies only once resumed
		_ = n.cmd.Process.Kill()
		<-n.exited
	}
}

// Client is a client of this node alone, for INFO, CLUSTER and SCAN.
func (n *Node) Client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: n.Addr, DialTimeout: time.Second, MaxRetries: -1})
}

func (n *Node) waitPing(ctx context.Context) error {
	rdb := n.Client()
	defer rdb.Close()
	return poll(ctx, 10*time.Second, func(ctx context.Context) error {
		if !n.Running() {
			return errStop{fmt.Errorf("rediscluster: redis-server on %s exited at start (port taken?)", n.Addr)}
		}
		return rdb.Ping(ctx).Err()
	})
}

// errStop ends a poll at once.
type errStop struct{ error }

// poll calls try every 20ms until it returns nil, returns an errStop, limit
// passes or ctx ends.
func poll(ctx context.Context, limit time.Duration, try func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		tctx, tcancel := context.WithTimeout(ctx, 500*time.Millisecond)
		err := try(tctx)
		tcancel()
		var stop errStop
		if err == nil || errors.As(err, &stop) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("rediscluster: gave up after %v: %w", limit, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// freePorts finds n free loopback ports below 55535 whose cluster bus port
// (port+10000) is free too.
func freePorts(n int) ([]int, error) {
	var ports []int
	seen := map[int]bool{}
	for tries := 0; len(ports) < n && tries < 1000; tries++ {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		if p >= 55535 || seen[p] || !portFree(p+10000) {
			continue
		}
		seen[p] = true
		ports = append(ports, p)
	}
	if len(ports) < n {
		return nil, fmt.Errorf("rediscluster: found %d of %d free ports below 55535", len(ports), n)
	}
	return ports, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("rediscluster: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func portFree(p int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}
