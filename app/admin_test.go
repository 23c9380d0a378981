package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"herald/app"
	"herald/digest"
	"herald/internal/logbuf"
	"herald/internal/redistest"
	"herald/subscribers"
	"herald/web"
)

const adminToken = "admin-token-0123456789abcdef"

// serveFor starts Serve with cfg over the real web handler and returns the
// listeners' addresses and the log.
func serveFor(t *testing.T, cfg app.Config, tweak ...func(*web.Deps)) (addrs []string, log *logbuf.Buffer) {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	cfg.RedisPrefix, cfg.Secret, cfg.APIToken, cfg.Tick = prefix, strings.Repeat("s", 32), adminToken, "@every 1h"
	log = &logbuf.Buffer{}
	a, err := app.New(context.Background(), cfg, app.Options{RDB: rdb, Logger: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	d := web.Deps{RDB: rdb, Stories: a.Stories, Subs: a.Subs, Secret: []byte(cfg.Secret), APIToken: cfg.APIToken, Logger: a.Logger}
	for _, fn := range tweak {
		fn(&d)
	}
	h := web.New(d)
	ctx, stop := context.WithCancel(context.Background())
	ready, done := make(chan string, 2), make(chan error, 1)
	go func() { done <- a.Serve(ctx, map[subscribers.Kind]digest.Channel{}, h, ready) }()
	t.Cleanup(func() { stop(); <-done })
	addrs = append(addrs, <-ready)
	if cfg.AdminAddr != "" {
		addrs = append(addrs, <-ready)
	}
	return addrs, log
}

func status(t *testing.T, addr, path string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// With HERALD_ADMIN_ADDR the API and the metrics are on that listener
// only; the public one answers 404 for them and still serves the rest.
func TestAdminAddrSplitsListeners(t *testing.T) {
	cfg := app.DefaultConfig()
	cfg.HTTPAddr, cfg.AdminAddr = "127.0.0.1:0", "127.0.0.1:0"
	addrs, log := serveFor(t, cfg)
	public, admin := addrs[0], addrs[1]
	for path, want := range map[string]int{"/v1/topics": 404, "/metrics": 404, "/healthz": 200} {
		if got := status(t, public, path); got != want {
			t.Errorf("public %s: %d, want %d", path, got, want)
		}
	}
	for path, want := range map[string]int{"/v1/topics": 200, "/metrics": 200, "/healthz": 200, "/signup": 404} {
		if got := status(t, admin, path); got != want {
			t.Errorf("admin %s: %d, want %d", path, got, want)
		}
	}
	if !strings.Contains(log.String(), "admin_addr="+admin) {
		t.Errorf("the serving line does not name the admin address:\n%s", log)
	}
}

// Without it, one listener serves everything, as before.
func TestNoAdminAddrServesAllOnOne(t *testing.T) {
	cfg := app.DefaultConfig()
	cfg.HTTPAddr = "127.0.0.1:0"
	addrs, _ := serveFor(t, cfg)
	if got := status(t, addrs[0], "/v1/topics"); got != 200 {
		t.Errorf("/v1/topics: %d, want 200", got)
	}
}

// Start-up warns when links would be plain http on a non-local host:
// RFC 8058 one-click unsubscribe cannot be offered then.
func TestPlainBaseURLWarned(t *testing.T) {
	for base, warn := range map[string]bool{
		"http://news.example.com":  true,
		"http://203.0.113.7:8080":  true,
		"https://news.example.com": false,
		"http://127.0.0.1:8080":    false,
		"http://localhost:8080":    false,
	} {
		cfg := app.DefaultConfig()
		cfg.HTTPAddr, cfg.BaseURL = "127.0.0.1:0", base
		_, log := serveFor(t, cfg)
		if got := strings.Contains(log.String(), "RFC 8058"); got != warn {
			t.Errorf("base URL %s: warned %v, want %v:\n%s", base, got, warn, log)
		}
	}
}
