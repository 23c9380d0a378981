package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// benchPrefix is the key prefix of everything the bench writes.
const benchPrefix = "herald-bench:"

// privateRedis is a redis-server started for this run, without persistence.
type privateRedis struct {
	cmd *exec.Cmd
	url string
}

// startRedis starts redis-server on a free loopback port.
func startRedis(ctx context.Context) (*privateRedis, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start redis-server (install it, or pass -redis-url): %w", err)
	}
	r := &privateRedis{cmd: cmd, url: fmt.Sprintf("redis://127.0.0.1:%d/0", port)}
	if err := r.wait(ctx); err != nil {
		r.stop()
		return nil, err
	}
	return r, nil
}

func (r *privateRedis) wait(ctx context.Context) error {
	opt, _ := redis.ParseURL(r.url)
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := rdb.Ping(ctx).Err(); err == nil {
			return nil
		} else if time.Now().After(deadline) {
			return fmt.Errorf("bench: redis-server did not answer at %s: %w", r.url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *privateRedis) stop() {
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("bench: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// cmdCounter is a go-redis hook counting the commands a client sends, a
// pipeline's commands one by one (an EVALSHA is one command).
type cmdCounter struct{ n *atomic.Int64 }

func (c cmdCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c cmdCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c cmdCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}
