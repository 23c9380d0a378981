// Package redistest gives tests a real Redis: a private redis-server started
// once per test package on a free loopback port, or the server named by
// HERALD_TEST_REDIS_URL. Each test gets its own key prefix, so tests in one
// package never see each other's keys.
//
// On a machine without redis-server the tests fall back to miniredis and say
// so loudly; with HERALD_TEST_REQUIRE_REDIS=1 (as CI sets) they fail instead.
//
// With HERALD_TEST_CLUSTER=1 the package's Redis is a private 3-master Redis
// Cluster instead (see cluster.go), and Client returns a cluster client.
// Tests that look at keys use Keys, which scans every master.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

var (
	once    sync.Once
	addr    string // host:port of the server, or "" when url is set
	url     string // HERALD_TEST_REDIS_URL
	cmd     *exec.Cmd
	mini    *miniredis.Miniredis
	initErr error
	seq     atomic.Int64
	cluster *testCluster // in cluster mode (HERALD_TEST_CLUSTER=1)
)

// Main runs the package's tests and stops the private server afterwards.
// Call it from TestMain: func TestMain(m *testing.M) { redistest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	stop()
	os.Exit(code)
}

// Client returns a client for the package's Redis and a key prefix unique to
// this test. The client is closed, and on a shared server the prefix's keys
// deleted, when the test ends.
func Client(tb testing.TB) (redis.UniversalClient, string) {
	tb.Helper()
	mustStart(tb)
	rdb := newClient(tb)
	prefix := fmt.Sprintf("t%d-%d:", os.Getpid(), seq.Add(1))
	tb.Cleanup(func() {
		if url != "" || cluster != nil {
			deletePrefix(rdb, prefix)
		}
		_ = rdb.Close()
	})
	return rdb, prefix
}

// newClient is a client for the package's Redis: a cluster client in
// cluster mode, else one for the single server.
func newClient(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	switch {
	case cluster != nil:
		return cluster.client()
	case url != "":
		opt, err := redis.ParseURL(url)
		if err != nil {
			tb.Fatalf("redistest: HERALD_TEST_REDIS_URL: %v", err)
		}
		return redis.NewClient(opt)
	default:
		return redis.NewClient(&redis.Options{Addr: addr})
	}
}

func mustStart(tb testing.TB) {
	tb.Helper()
	once.Do(start)
	if initErr != nil {
		tb.Fatalf("redistest: %v", initErr)
	}
}

// Addr is the host:port of the package's Redis (starting it if need be), for
// tests that start a separate process against it; in cluster mode, the first
// master's. Prefer URL, which names the whole cluster.
func Addr(tb testing.TB) string {
	tb.Helper()
	mustStart(tb)
	if cluster != nil {
		return cluster.addrs[0]
	}
	if url != "" {
		opt, err := redis.ParseURL(url)
		if err != nil {
			tb.Fatalf("redistest: HERALD_TEST_REDIS_URL: %v", err)
		}
		return opt.Addr
	}
	return addr
}

// Real reports whether tests run against a real redis-server.
func Real() bool { once.Do(start); return mini == nil }

func start() {
	if os.Getenv("HERALD_TEST_CLUSTER") == "1" {
		cluster, initErr = startCluster()
		return
	}
	if url = os.Getenv("HERALD_TEST_REDIS_URL"); url != "" {
		return
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("HERALD_TEST_REQUIRE_REDIS") == "1" {
			initErr = fmt.Errorf("redis-server not found on PATH and HERALD_TEST_REQUIRE_REDIS=1; install it (apt-get install redis-server) or set HERALD_TEST_REDIS_URL")
			return
		}
		fmt.Fprintln(os.Stderr, "!!! redistest: redis-server not found: FALLING BACK TO miniredis. Install redis-server for real coverage. !!!")
		mini, initErr = miniredis.Run()
		if initErr == nil {
			addr = mini.Addr()
		}
		return
	}
	for attempt := 0; attempt < 3; attempt++ {
		if initErr = startServer(bin); initErr == nil {
			return
		}
	}
}

func startServer(bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	a := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--loglevel", "warning")
	if err := c.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	if err := waitReady(a, 10*time.Second); err != nil {
		_ = c.Process.Kill()
		_ = c.Wait()
		return err
	}
	addr, cmd = a, c
	return nil
}

func waitReady(a string, limit time.Duration) error {
	rdb := redis.NewClient(&redis.Options{Addr: a, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s not ready after %v: %w", a, limit, err)
		}
		time.Sleep(20 * time.Millisecond)
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

func stop() {
	if cmd != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	if mini != nil {
		mini.Close()
	}
	if cluster != nil {
		cluster.stop()
	}
}
