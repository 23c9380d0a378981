package app_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"herald/app"
	"herald/digest"
	"herald/internal/redistest"
	"herald/subscribers"
)

// A client that sends its body slowly is cut off at the read timeout
// instead of holding its connection (and a file descriptor) for ever.
func TestSlowBodyIsCutOff(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	cfg := app.DefaultConfig()
	cfg.RedisPrefix, cfg.Secret, cfg.HTTPAddr, cfg.Tick = prefix, "s", "127.0.0.1:0", "@every 1h"
	cfg.HTTPReadTimeout = 300 * time.Millisecond
	a, err := app.New(context.Background(), cfg, app.Options{RDB: rdb})
	if err != nil {
		t.Fatal(err)
	}
	reading := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.ReadAll(r.Body) })
	ctx, stop := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, map[subscribers.Kind]digest.Channel{}, reading, ready) }()
	defer func() { stop(); <-done }()

	c, err := net.Dial("tcp", <-ready)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "POST /signup HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nemail=a")
	_ = c.SetReadDeadline(time.Now().Add(15 * time.Second)) // bounds the test, far past the timeout
	_, err = io.ReadAll(c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("the server still held the slow body's connection long after its read timeout")
	}
}

// Weak settings of the HTTP server are refused, naming them.
func TestHTTPLimitsValidated(t *testing.T) {
	cfg := app.DefaultConfig()
	cfg.HTTPMaxConns = 0
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "http-max-conns") {
		t.Errorf("Validate with http-max-conns 0: %v", err)
	}
}
