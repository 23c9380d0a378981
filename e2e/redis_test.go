package e2e

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisServer is a private redis-server process the scenario can stop and
// start again on the same port.
type redisServer struct {
	t      *testing.T
	port   int
	args   []string
	cmd    *exec.Cmd
	exited chan struct{}
}

// startRedis starts a redis-server on a free port. A durable one keeps its
// data across Stop and Start (append-only file, fsync on every write, in a
// test directory); otherwise nothing is written to disk.
func startRedis(t *testing.T, durable bool) *redisServer {
	t.Helper()
	r := &redisServer{t: t}
	persistence := []string{"--save", "", "--appendonly", "no"}
	if durable {
		persistence = []string{"--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", t.TempDir()}
	}
	var err error
	for range 3 { // a free port can be taken between probe and bind
		if r.port, err = freePort(); err != nil {
			continue
		}
		r.args = append([]string{"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--loglevel", "warning"}, persistence...)
		if err = r.spawn(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() { r.kill() })
	return r
}

// Addr is host:port.
func (r *redisServer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

// URL is the redis:// URL herald is given.
func (r *redisServer) URL() string { return "redis://" + r.Addr() + "/0" }

// Client is a client for the test's own reads and seeding, closed with the
// test.
func (r *redisServer) Client() *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), DialTimeout: time.Second})
	r.t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// Start starts the server again on its port, with its data.
func (r *redisServer) Start() {
	r.t.Helper()
	if err := r.spawn(); err != nil {
		r.t.Fatalf("restart redis-server: %v", err)
	}
}

// Stop shuts the server down as an operator would (SIGTERM: it flushes and
// exits) and waits for the process to end.
func (r *redisServer) Stop() {
	r.t.Helper()
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		r.t.Fatal("redis-server did not exit within 10s of SIGTERM")
	}
}

func (r *redisServer) kill() {
	if r.cmd == nil {
		return
	}
	select {
	case <-r.exited:
	default:
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
}

func (r *redisServer) spawn() error {
	cmd := exec.Command("redis-server", r.args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	r.cmd, r.exited = cmd, exited
	if err := waitPing(r.Addr(), exited); err != nil {
		r.kill()
		return err
	}
	return nil
}

// waitPing waits until the server at addr answers PING, or its process
// ends, or 10s pass.
func waitPing(addr string, exited <-chan struct{}) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server on %s exited at start (port taken?)", addr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s not answering after 10s: %w", addr, err)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
