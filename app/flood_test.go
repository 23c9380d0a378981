package app_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"herald/app"
	"herald/subscribers"
	"herald/web"
)

// slowFlood is how many slow-body connections the flood test opens: the
// count that ran the process out of file descriptors before the limits.
const slowFlood = 10_000

// 10,000 clients each send POST /signup's headers and a few bytes of a
// 1000-byte body, then hold their connection. The server keeps at most
// HERALD_HTTP_MAX_CONNS (1024) open, the rest wait in the kernel's accept
// queue, each accepted one is cut off at the read timeout (1 s here), and
// /healthz keeps answering: within the test's bound, not at some speed.
// At the end the server has closed every slow connection; none is left
// held until the test's own deadline.
func TestSlowFloodLeavesHealthzAnswering(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 10,000 connections: skipped with -short")
	}
	raiseNoFile(t, slowFlood+2048) // both ends are in this process
	cfg := app.DefaultConfig()
	cfg.HTTPAddr, cfg.HTTPReadTimeout = "127.0.0.1:0", time.Second
	addrs, _ := serveFor(t, cfg, func(d *web.Deps) {
		d.SendConfirmation = func(context.Context, *subscribers.Subscriber, string) error { return nil }
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // the bound of every check
	defer cancel()

	flood := openSlow(ctx, t, addrs[0], slowFlood)
	if err := healthzAnswers(ctx, addrs[0]); err != nil {
		t.Fatalf("/healthz did not answer with %d slow connections open or queued: %v", slowFlood, err)
	}
	flood.wait()
	if held := flood.held.Load(); held != 0 {
		t.Errorf("%d of %d slow connections were still held by the server at the test's deadline", held, slowFlood)
	}
	t.Logf("%d slow connections opened and cut off by the server", flood.closed.Load())
}

// flood is the slow clients' tally.
type flood struct {
	wg     sync.WaitGroup
	closed atomic.Int64 // the server closed the connection
	held   atomic.Int64 // still open when the test's deadline came
}

func (f *flood) wait() { f.wg.Wait() }

// openSlow opens n slow-body connections, 64 dials at a time, and returns
// once all are open; a reader per connection waits for the server to close
// it.
func openSlow(ctx context.Context, t *testing.T, addr string, n int) *flood {
	t.Helper()
	f := &flood{}
	next := make(chan int)
	var dials sync.WaitGroup
	var failed atomic.Int64
	for range 64 {
		dials.Add(1)
		go func() {
			defer dials.Done()
			for range next {
				if err := f.slowClient(ctx, addr); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	dials.Wait()
	if k := failed.Load(); k > 0 {
		t.Fatalf("%d of %d slow connections could not be opened before the deadline", k, n)
	}
	return f
}

const slowRequest = "POST /signup HTTP/1.1\r\nHost: herald\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=a"

func (f *flood) slowClient(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(c, slowRequest); err != nil && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		c.Close()
		return err
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer c.Close()
		deadline, _ := ctx.Deadline()
		_ = c.SetReadDeadline(deadline)
		if _, err := io.Copy(io.Discard, c); errors.Is(err, os.ErrDeadlineExceeded) {
			f.held.Add(1)
			return
		}
		f.closed.Add(1)
	}()
	return nil
}

// healthzAnswers asks GET /healthz until it answers 200 or ctx ends.
func healthzAnswers(ctx context.Context, addr string) error {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = errors.New(res.Status)
		}
		if ctx.Err() != nil {
			return err
		}
	}
}

// raiseNoFile lifts the soft open-files limit to at least n (up to the
// hard limit), skipping the test when that is not enough.
func raiseNoFile(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= n {
		return
	}
	old := lim
	lim.Cur = min(n, lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < n {
		t.Skipf("RLIMIT_NOFILE %d (hard %d) is below the %d this test needs: %v", old.Cur, old.Max, n, err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}
