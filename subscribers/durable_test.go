package subscribers_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/subscribers"
)

// startRedis starts a private redis-server with extra arguments and
// returns its address and process.
func startRedis(t *testing.T, extra ...string) (string, *os.Process) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("HERALD_TEST_REQUIRE_REDIS") == "1" {
			t.Fatal("redis-server not found")
		}
		t.Skip("redis-server not found")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning",
		// A replica's first sync starts at once (Redis 7 waits 5 s for
		// more replicas by default) and writes its RDB file in a temporary
		// directory, not the package's.
		"--repl-diskless-sync-delay", "0", "--dir", t.TempDir()}, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGCONT); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	for i := 0; rdb.Ping(context.Background()).Err() != nil; i++ {
		if i > 500 {
			t.Fatalf("redis-server on %s did not start", addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return addr, cmd.Process
}

// TestCompleteWaitsForTheReplica: with WithWait, a completion the replica
// has acknowledged succeeds; with the replica stopped, it is written on the
// master but reported ErrNotDurable, and Sync succeeds once the replica is
// back.
func TestCompleteWaitsForTheReplica(t *testing.T) {
	master, _ := startRedis(t)
	host, port, _ := net.SplitHostPort(master)
	_, replica := startRedis(t, "--replicaof", host, port)
	rdb := redis.NewClient(&redis.Options{Addr: master})
	t.Cleanup(func() { rdb.Close() })
	waitReplicated(t, master)

	ctx := context.Background()
	st := subscribers.NewStore(rdb, "w:", func() time.Time { return t0 }, subscribers.WithWait(1, 300*time.Millisecond))
	sub := mustAdd(t, st, &subscribers.Subscriber{Email: "ann@example.com"})
	complete := func() error {
		now := due0.Add(time.Minute)
		if _, errs := st.AcquireMany(ctx, []string{sub.ID}, "tok", now, time.Minute); errs[0] != nil {
			return errs[0]
		}
		return st.CompleteMany(ctx, []subscribers.Completion{{ID: sub.ID, Token: "tok", Cursor: now, NextDue: now.Add(24 * time.Hour)}})[0]
	}
	if err := complete(); err != nil {
		t.Fatalf("complete with the replica up: %v", err)
	}
	if err := replica.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	_, errs := st.AcquireMany(ctx, []string{sub.ID}, "tok2", due0.Add(2*time.Minute), time.Minute)
	if !errors.Is(errs[0], subscribers.ErrNotDurable) {
		t.Fatalf("acquire with the replica stopped = %v, want ErrNotDurable (nothing may be sent)", errs[0])
	}
	if err := replica.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if failed := st.Sync(ctx, []string{sub.ID}); failed[sub.ID] != nil {
		t.Fatalf("Sync after the replica came back: %v", failed[sub.ID])
	}
}

// waitReplicated waits until the master at addr has a replica that
// acknowledges its writes: one WAIT counts, the test's own condition (a
// replica shown online may not have been sent the command stream yet).
func waitReplicated(t *testing.T, addr string) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	ctx := context.Background()
	for i := 0; ; i++ {
		rdb.Set(ctx, "probe", i, 0)
		if n, _ := rdb.Do(ctx, "WAIT", 1, 10).Int(); n == 1 {
			return
		}
		if i > 2000 {
			info, _ := rdb.Info(ctx, "replication").Result()
			t.Fatalf("master %s: no replica acknowledged a write in 20s: %s", addr, info)
		}
	}
}
