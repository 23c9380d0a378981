package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// heraldProc is one `herald serve` OS process.
type heraldProc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	log    *procLog
	addr   string // HTTP host:port, once ready
	exited chan struct{}
}

// spawnHerald starts `herald serve` with env and returns without waiting;
// call ready before using it. The process is killed when the test ends.
func spawnHerald(t *testing.T, name string, env []string) *heraldProc {
	t.Helper()
	h := &heraldProc{t: t, name: name, log: newProcLog(), exited: make(chan struct{})}
	h.cmd = exec.Command(heraldBin, "serve")
	h.cmd.Env = env
	h.cmd.Stdout, h.cmd.Stderr = h.log, h.log
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := h.cmd.Start(); err != nil {
		t.Fatalf("start herald %s: %v", name, err)
	}
	go func() { _ = h.cmd.Wait(); close(h.exited) }()
	t.Cleanup(func() {
		if h.running() {
			_ = h.cmd.Process.Kill()
			<-h.exited
		}
		if t.Failed() {
			t.Logf("--- herald %s log (last 40 lines) ---\n%s", name, h.log.tail(40))
		}
	})
	return h
}

// startHerald spawns herald and waits until it serves /healthz.
func startHerald(t *testing.T, name string, env []string) *heraldProc {
	t.Helper()
	h := spawnHerald(t, name, env)
	h.ready()
	return h
}

// ready waits for the "herald serving" log line (its HTTP address) and a
// 200 from /healthz.
func (h *heraldProc) ready() {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for h.addr == "" {
		h.addr = h.log.httpAddr()
		select {
		case <-h.exited:
			h.t.Fatalf("herald %s exited at start:\n%s", h.name, h.log.tail(20))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("herald %s: no \"herald serving\" line after 20s:\n%s", h.name, h.log.tail(20))
		}
	}
	for h.status("/healthz") != http.StatusOK {
		if time.Now().After(deadline) {
			h.t.Fatalf("herald %s: /healthz not 200 after 20s", h.name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var httpClient = &http.Client{Timeout: 3 * time.Second}

// status is the HTTP status of GET path, 0 when there is no answer.
func (h *heraldProc) status(path string) int {
	resp, err := httpClient.Get("http://" + h.addr + path)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func (h *heraldProc) running() bool {
	select {
	case <-h.exited:
		return false
	default:
		return true
	}
}

// kill9 kills the process with SIGKILL: no shutdown code runs.
func (h *heraldProc) kill9() {
	h.t.Helper()
	if err := h.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		h.t.Fatalf("kill -9 herald %s: %v", h.name, err)
	}
	<-h.exited
}

// terminate sends SIGTERM and waits up to limit for the process to exit;
// it returns the exit code and how long the exit took.
func (h *heraldProc) terminate(limit time.Duration) (code int, took time.Duration) {
	h.t.Helper()
	start := time.Now()
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		h.t.Fatalf("SIGTERM herald %s: %v", h.name, err)
	}
	select {
	case <-h.exited:
	case <-time.After(limit):
		h.t.Fatalf("herald %s still running %v after SIGTERM:\n%s", h.name, limit, h.log.tail(20))
	}
	return h.cmd.ProcessState.ExitCode(), time.Since(start)
}

// stop ends a process that has nothing left to do and checks it exits 0.
func (h *heraldProc) stop() {
	h.t.Helper()
	if !h.running() {
		return
	}
	if code, _ := h.terminate(grace + 5*time.Second); code != 0 {
		h.t.Errorf("herald %s exited %d after SIGTERM:\n%s", h.name, code, h.log.tail(20))
	}
}

// procLog keeps a process's combined output.
type procLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func newProcLog() *procLog { return &procLog{} }

func (l *procLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if os.Getenv("HERALD_E2E_ECHO") == "1" {
		_, _ = os.Stderr.Write(p)
	}
	return l.buf.Write(p)
}

func (l *procLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *procLog) tail(n int) string {
	lines := strings.Split(strings.TrimRight(l.String(), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

var servingLine = regexp.MustCompile(`msg="herald serving" http_addr=(\S+)`)

func (l *procLog) httpAddr() string {
	if m := servingLine.FindStringSubmatch(l.String()); m != nil {
		return m[1]
	}
	return ""
}

// poll calls cond every 100ms until it is true or ctx ends.
func poll(ctx context.Context, cond func() bool) error {
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up waiting: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}
