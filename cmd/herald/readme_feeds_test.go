package main

import (
	"net/http"
	"net/http/httptest"
	"os"
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
	lines := sectionLines(t, "## Feeds")
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

// sectionLines are the command lines of the fenced sh blocks under the
// README heading given.
func sectionLines(t *testing.T, heading string) []string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q", heading)
	}
	rest, _, _ = strings.Cut(rest, "\n## ")
	var lines []string
	for _, block := range strings.Split(rest, "```sh\n")[1:] {
		body, _, _ := strings.Cut(block, "```")
		for _, l := range strings.Split(body, "\n") {
			if strings.TrimSpace(l) != "" {
				lines = append(lines, l)
			}
		}
	}
	return lines
}
