package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"herald/feeds"
)

const cliRSS = `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>https://wire.example.com/</link>
<item><title>Seoul rejects terms</title><link>https://wire.example.com/1</link><guid>wire-1</guid>
<category>Trade</category><pubDate>Tue, 01 Dec 2026 08:00:00 GMT</pubDate><description>&lt;p&gt;No.&lt;/p&gt;</description></item>
</channel></rss>`

// feeds add, list, poll and remove against a real Redis and a local feed
// server (allow-listed with HERALD_FEED_HOSTS); a broken feed shows its
// error in the list and makes poll exit 1 while the good one is stored.
func TestFeedsCommands(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/rss", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(cliRSS)) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	t.Setenv("HERALD_FEED_HOSTS", strings.TrimPrefix(srv.URL, "http://"))
	rf := redisFlags(t)
	cli := func(args ...string) (string, error) { t.Helper(); return runCLI(t, append(args, rf...)...) }

	out, err := cli("feeds", "add", srv.URL+"/rss", "--topics", "korea", "--category", "trade=trade-policy")
	id := feeds.IDFor(srv.URL + "/rss")
	if err != nil || !strings.Contains(out, "added feed "+id) {
		t.Fatalf("add: %v\n%s", err, out)
	}
	if out, err = cli("feeds", "list"); err != nil || !strings.Contains(out, "not polled yet") || !strings.Contains(out, "trade=trade-policy") {
		t.Fatalf("list before a poll: %v\n%s", err, out)
	}
	if out, err = cli("feeds", "poll"); err != nil || !strings.Contains(out, "1 new, 0 updated") {
		t.Fatalf("poll: %v\n%s", err, out)
	}
	if out, err = cli("stories", "get", feeds.StoryID("wire-1")); err != nil || !strings.Contains(out, `"trade-policy"`) {
		t.Fatalf("the story: %v\n%s", err, out)
	}
	if _, err = cli("feeds", "add", srv.URL+"/gone", "--topics", "korea"); err != nil {
		t.Fatal(err)
	}
	out, err = cli("feeds", "poll")
	if exitCode(err) != 1 || !strings.Contains(out, "error: HTTP 404") || !strings.Contains(out, "0 new, 0 updated, 1 unchanged") {
		t.Fatalf("poll with a broken feed: exit %d\n%s", exitCode(err), out)
	}
	if out, _ = cli("feeds", "list"); !strings.Contains(out, "error since") || !strings.Contains(out, "ok (1 items)") {
		t.Errorf("list: %s", out)
	}
	if out, err = cli("feeds", "remove", id); err != nil || !strings.Contains(out, "removed feed "+id) {
		t.Errorf("remove: %v\n%s", err, out)
	}
	if out, _ = cli("feeds", "list"); strings.Contains(out, srv.URL+"/rss") {
		t.Errorf("removed feed still listed:\n%s", out)
	}
}

// Bad settings are refused with the flag or field named, exit 2.
func TestFeedsAddRefusesBadInput(t *testing.T) {
	rf := redisFlags(t)
	cases := map[string][]string{
		"--topics":   {"feeds", "add", "https://x.example.com/rss"},
		"--category": {"feeds", "add", "https://x.example.com/rss", "--topics", "a", "--category", "nope"},
		"interval":   {"feeds", "add", "https://x.example.com/rss", "--topics", "a", "--interval", "1s"},
		"url":        {"feeds", "add", "file:///etc/passwd", "--topics", "a"},
	}
	for want, args := range cases {
		out, err := runCLI(t, append(args, rf...)...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: exit %d, %v\n%s", args, exitCode(err), err, out)
		}
	}
	if out, err := runCLI(t, append([]string{"feeds", "remove", "abc123"}, rf...)...); exitCode(err) != 2 {
		t.Errorf("remove of an unknown feed: %v\n%s", err, out)
	}
}
