package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"herald/internal/redistest"
)

var storyURL = regexp.MustCompile(`https://news\.example\.com/stories/[a-z0-9-]+`)

// demoDigests reads a demo folder: for each reader or team, the stories
// its message links to.
func demoDigests(t *testing.T, dir string) map[string][]string {
	t.Helper()
	emails, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	teams, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	files := append(emails, teams...)
	out := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		who, body := messageOf(t, f, b)
		out[who] = uniqueSorted(storyURL.FindAllString(body, -1))
	}
	return out
}

func messageOf(t *testing.T, name string, b []byte) (who, body string) {
	t.Helper()
	if filepath.Ext(name) == ".json" {
		var payloads []struct{ Channel string }
		if err := json.Unmarshal(b, &payloads); err != nil || len(payloads) == 0 {
			t.Fatalf("%s: %v", name, err)
		}
		return "slack:" + payloads[0].Channel, string(b)
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	raw, _ := io.ReadAll(m.Body)
	text, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
	return m.Header.Get("To"), string(text)
}

func uniqueSorted(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// The demo against a real Redis (--redis-url on the command line) writes
// the same messages as on its embedded store: the same readers and teams,
// the same stories each.
func TestDemoOnRealRedis(t *testing.T) {
	embedded := filepath.Join(t.TempDir(), "embedded")
	if out, err := runCLI(t, "demo", "--out", embedded); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	_, prefix := redistest.Client(t)
	real := filepath.Join(t.TempDir(), "real")
	out, err := runCLI(t, "demo", "--out", real, "--redis-url", "redis://"+redistest.Addr(t)+"/0", "--redis-prefix", prefix)
	if err != nil || !strings.Contains(out, "Redis at redis://"+redistest.Addr(t)) {
		t.Fatalf("demo --redis-url: %v\n%s", err, out)
	}
	want, got := demoDigests(t, embedded), demoDigests(t, real)
	if len(want) < 8 || !reflect.DeepEqual(want, got) {
		t.Errorf("messages differ:\nembedded %v\nreal     %v", want, got)
	}
	for who, list := range want {
		if len(list) == 0 {
			t.Errorf("%s: a message without stories", who)
		}
	}
}

// HERALD_REDIS_URL alone does not move the demo off its embedded store.
func TestDemoIgnoresConfigEnv(t *testing.T) {
	t.Setenv("HERALD_REDIS_URL", "redis://127.0.0.1:1/0")
	if out, err := runCLI(t, "demo", "--out", filepath.Join(t.TempDir(), "d")); err != nil || !strings.Contains(out, "embedded Redis") {
		t.Errorf("demo with HERALD_REDIS_URL set: %v\n%s", err, out)
	}
}

// Each run starts from an empty folder, and a folder the demo did not make
// is refused, never emptied.
func TestDemoFreshFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if out, err := runCLI(t, "demo", "--out", dir); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	stale := filepath.Join(dir, "stale.eml")
	if err := os.WriteFile(stale, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "demo", "--out", dir)
	if _, serr := os.Stat(stale); err != nil || serr == nil || !strings.Contains(out, "--out "+dir+" --serve") {
		t.Errorf("second run: %v, stale file kept: %v\n%s", err, serr == nil, out)
	}
	mine := t.TempDir()
	keep := filepath.Join(mine, "notes.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, "demo", "--out", mine); err == nil || exitCode(err) != 2 {
		t.Errorf("demo into a foreign folder: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("the foreign folder was touched: %v", err)
	}
}
