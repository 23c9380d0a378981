package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"herald/app"
	"herald/digest"
	"herald/feeds"
	"herald/internal/health"
	"herald/internal/redistest"
	"herald/subscribers"
	webpkg "herald/web"
)

const oneItemRSS = `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>https://wire.example.com/</link>
<item><title>Seoul rejects terms</title><link>https://wire.example.com/1</link><guid>wire-1</guid>
<pubDate>Tue, 01 Dec 2026 08:00:00 GMT</pubDate><description>&lt;p&gt;South Korea says no.&lt;/p&gt;</description></item>
</channel></rss>`

// feedApp is an App on the test Redis whose feeds may reach srv.
func feedApp(t *testing.T, rdbPrefix string, srv *httptest.Server) *app.App {
	t.Helper()
	rdb, _ := redistest.Client(t)
	cfg := app.DefaultConfig()
	cfg.RedisPrefix, cfg.Secret, cfg.HTTPAddr = rdbPrefix, "s", "127.0.0.1:0"
	cfg.Tick, cfg.FeedCheck = "@every 1h", "@every 1s"
	cfg.FeedHosts = strings.TrimPrefix(srv.URL, "http://")
	a, err := app.New(context.Background(), cfg, app.Options{RDB: rdb})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Two serve processes on one Redis poll a feed on their own: its item
// becomes a story, its instant follower is due an alert, and the feed is
// fetched once in its interval.
func TestServePollsFeeds(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(oneItemRSS))
	}))
	defer srv.Close()
	_, prefix := redistest.Client(t)
	a, b := feedApp(t, prefix, srv), feedApp(t, prefix, srv)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	sub := &subscribers.Subscriber{Kind: subscribers.KindEmail, Email: "a@example.com", TimeZone: "UTC", Schedule: "instant", Topics: []string{"korea"}}
	if err := a.Subs.Add(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Feeds.Add(ctx, &feeds.Feed{URL: srv.URL + "/rss", Topics: []string{"Korea"}, Interval: time.Hour}); err != nil {
		t.Fatal(err)
	}
	var looks [2]atomic.Int32 // each process's reads of its clock: its feed checks
	done := make(chan error, 2)
	for i, x := range []*app.App{a, b} {
		x.FeedPoller.Now = func() time.Time { looks[i].Add(1); return time.Now() }
		go func() { done <- x.Serve(ctx, map[subscribers.Kind]digest.Channel{}, http.NotFoundHandler(), nil) }()
	}
	id := feeds.StoryID("wire-1")
	waitFor(t, func() bool { _, err := a.Stories.Get(ctx, id); return err == nil })
	waitFor(t, func() bool { return looks[0].Load() >= 3 && looks[1].Load() >= 3 }) // both checked again since
	due, err := a.Subs.Claim(ctx, time.Now().Add(time.Hour), 10, time.Minute)
	if err != nil || len(due) != 1 || due[0] != sub.ID {
		t.Errorf("instant follower due: %v %v", due, err)
	}
	stop()
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("two processes fetched the feed %d times in its interval", n)
	}
}

// A broken feed makes /readyz's JSON degraded, naming the feed, and
// readiness holds (200).
func TestBrokenFeedDegradesHealth(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_, prefix := redistest.Client(t)
	a := feedApp(t, prefix, srv)
	ctx := context.Background()
	f := &feeds.Feed{URL: srv.URL + "/gone", Topics: []string{"Korea"}}
	if _, err := a.Feeds.Add(ctx, f); err != nil {
		t.Fatal(err)
	}
	if _, err := a.FeedPoller.PollAll(ctx); err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(webpkg.New(webpkg.Deps{RDB: a.RDB, Stories: a.Stories, Subs: a.Subs, Secret: []byte("s"), Health: a.Health}))
	defer web.Close()
	res, err := http.Get(web.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Status string
		Checks []health.State
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != 200 || body.Status != "degraded" {
		t.Fatalf("/readyz: %d %q %v", res.StatusCode, body.Status, err)
	}
	found := false
	for _, s := range body.Checks {
		if s.Name == "feeds" {
			found = s.State == health.StateDown && !s.Critical && strings.Contains(s.LastError, f.ID) && strings.Contains(s.LastError, "HTTP 404")
		}
	}
	if !found {
		t.Errorf("/readyz checks: %+v", body.Checks)
	}
}

// waitFor polls cond until it holds, for at most 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
