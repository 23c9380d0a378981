package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"herald/app"
	"herald/digest"
	"herald/internal/keyring"
	"herald/internal/redistest"
	"herald/subscribers"
	"herald/web"
)

// TestServeAcceptsPreviousSecret: serve's pages take HERALD_SECRET_PREVIOUS
// from the config, so an unsubscribe link signed before a rotation still
// unsubscribes, and one signed by a key serve never had does not.
func TestServeAcceptsPreviousSecret(t *testing.T) {
	const previous = "the-secret-before-rotation-0123456789ab"
	cfg := app.DefaultConfig()
	cfg.Secret, cfg.SecretPrevious = testSecret, "another-old-secret-0123456789abcdef01,"+previous
	a, srv := servePages(t, cfg)
	ctx := context.Background()
	sub := &subscribers.Subscriber{Email: "ann@example.com"}
	if err := a.Subs.Add(ctx, sub); err != nil {
		t.Fatal(err)
	}
	oneClick := func(key string) int {
		tok := subscribers.SignToken(keyring.New([]byte(key)), sub, subscribers.ActionUnsubscribe, time.Now().Add(time.Hour))
		res, err := http.Post(srv.URL+"/u/"+tok, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := oneClick("a-key-serve-never-had-0123456789abcdef"); code != http.StatusForbidden {
		t.Errorf("unknown key: %d, want 403", code)
	}
	if code := oneClick(previous); code != http.StatusOK {
		t.Fatalf("previous key: %d, want 200", code)
	}
	if got, err := a.Subs.Get(ctx, sub.ID); err != nil || got.Status != subscribers.StatusUnsubscribed {
		t.Errorf("after the previous key's one-click: %+v, %v", got, err)
	}
}

// servePages starts serve's HTTP handler for cfg (on this test's Redis
// and prefix) in an httptest server, and returns the app behind it.
func servePages(t *testing.T, cfg app.Config) (*app.App, *httptest.Server) {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	cfg.RedisPrefix = prefix
	a, err := app.New(context.Background(), cfg, app.Options{RDB: rdb})
	if err != nil {
		t.Fatal(err)
	}
	deps, err := webDeps(a, &app.Channels{ByKind: map[subscribers.Kind]digest.Channel{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(deps))
	t.Cleanup(srv.Close)
	return a, srv
}
