package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"herald/feeds"
)

// The README's Feeds lines run, in order, against a real redis-server,
// with its feed URLs served by a local server (allow-listed): the
// poll fetches both feeds, remove takes the ID add printed.
func TestReadmeFeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the README")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(cliRSS)) }))
	defer srv.Close()
	r := newReadmeRig(t)
	r.env = append(r.env, "HERALD_FEED_HOSTS="+strings.TrimPrefix(srv.URL, "http://"))
	news, wire := srv.URL+"/rss.xml", srv.URL+"/atom"
	local := strings.NewReplacer("https://news.example.com/rss.xml", news, "https://wire.example.com/atom", wire,
		feeds.IDFor("https://news.example.com/rss.xml"), feeds.IDFor(news))
	lines := readmeLines(t, "Feeds")
	if len(lines) < 5 {
		t.Fatalf("README Feeds lines: %q", lines)
	}
	for _, line := range lines {
		r.run(local.Replace(line))
		if strings.HasPrefix(line, "herald feeds poll") && !strings.Contains(r.lastOut, "polled 2 feeds, 0 failed") {
			t.Errorf("feeds poll:\n%s", r.lastOut)
		}
	}
	if !strings.Contains(r.lastOut, "removed feed "+feeds.IDFor(news)) {
		t.Errorf("remove: %s", r.lastOut)
	}
}
