package app_test

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"herald/app"
	"herald/digest"
	"herald/internal/redistest"
	"herald/subscribers"
)

// Background work (the sign-up workers) is stopped only after the HTTP
// server has finished its requests, so no handler queues work nobody
// takes, and Serve waits for it to return.
func TestServeStopsBackgroundAfterHTTP(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	cfg := app.DefaultConfig()
	cfg.RedisPrefix, cfg.Secret, cfg.HTTPAddr, cfg.Tick, cfg.ShutdownGrace = prefix, "s", "127.0.0.1:0", "@every 1h", 10*time.Second
	a, err := app.New(context.Background(), cfg, app.Options{RDB: rdb})
	if err != nil {
		t.Fatal(err)
	}
	inRequest, releaseRequest := make(chan struct{}), make(chan struct{})
	var requestDone atomic.Bool
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(inRequest)
		<-releaseRequest
		requestDone.Store(true)
	})
	var sawRequestDone atomic.Bool
	bgStopped, releaseBG := make(chan struct{}), make(chan struct{})
	background := func(ctx context.Context) {
		<-ctx.Done()
		sawRequestDone.Store(requestDone.Load())
		close(bgStopped)
		<-releaseBG
	}
	ctx, stop := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- a.Serve(ctx, map[subscribers.Kind]digest.Channel{}, handler, ready, background) }()
	addr := <-ready
	go func() { _, _ = http.Get("http://" + addr + "/") }()
	<-inRequest
	stop()
	waitRefused(t, addr) // the HTTP server is shutting down, the request held
	select {
	case <-bgStopped:
		t.Fatal("background work stopped while a request was still being handled")
	default:
	}
	close(releaseRequest)
	<-bgStopped
	if !sawRequestDone.Load() {
		t.Error("background work stopped while a request was still being handled")
	}
	select {
	case err := <-done:
		t.Fatalf("Serve returned before the background work: %v", err)
	default:
	}
	close(releaseBG)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// waitRefused waits until addr refuses connections, for at most 10 s.
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		c.Close()
	}
	t.Fatalf("%s still accepts connections", addr)
}
