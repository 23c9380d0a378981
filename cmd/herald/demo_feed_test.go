package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The demo ingests a story from a feed it serves itself, says so, and the
// story reaches the readers following its topics (Japan, and Markets by
// the feed's category rule).
func TestDemoIngestsItsOwnFeed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	out, err := runCLI(t, "demo", "--out", dir)
	if err != nil || !strings.Contains(out, "Feed: 1 story ingested from http://127.0.0.1:") || !strings.Contains(out, "ok (1 items)") {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	const story = "https://news.example.com/stories/boj-holds-rates-yen-steadies"
	got := map[string][]string{}
	for to, list := range demoDigests(t, dir) {
		if i := strings.LastIndex(to, "<"); i >= 0 {
			to = strings.Trim(to[i:], "<>")
		}
		got[to] = list
	}
	for _, who := range []string{"haruto.sato@example.org", "priya.nair@example.com"} { // japan; markets only
		if !slices.Contains(got[who], story) {
			t.Errorf("%s's digest lacks the feed's story: %v", who, got[who])
		}
	}
}
