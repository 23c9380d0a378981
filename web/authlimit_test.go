package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"herald/internal/logbuf"
	"herald/internal/ratelimit"
)

// Wrong tokens are logged with the client's address and never the token,
// and a client past the limit is answered 429, the right token too, until
// the window ends; another client and right tokens are not counted.
func TestAuthFailuresLoggedAndLimited(t *testing.T) {
	logs := &logbuf.Buffer{}
	f := newFixture(t, limited(t, limitPrefix(t), ratelimit.Rate{Limit: 10, Window: time.Hour}, ratelimit.Rate{Limit: 3, Window: 15 * time.Minute}),
		func(d *Deps) { d.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	for range 5 {
		if r := f.api("GET", "/v1/topics", ""); r.Status != 200 {
			t.Fatalf("right token: %d %s", r.Status, r.Body)
		}
	}
	const guess = "guess-0123456789abcdefghijkl"
	for range 3 {
		wantError(t, f.do("GET", "/v1/topics", "", "Authorization: Bearer "+guess), 401, CodeUnauthorized, "")
	}
	r := f.api("GET", "/v1/topics", "")
	wantError(t, r, 429, CodeRateLimited, "")
	if r.Header.Get("Retry-After") != "900" {
		t.Errorf("Retry-After %q, want 900", r.Header.Get("Retry-After"))
	}
	wantError(t, f.do("POST", "/v1/stories", "{}"), 429, CodeRateLimited, "")
	if r := f.send(clientFrom("127.0.0.2"), f.srv.URL, "GET", "/v1/topics", "", "Authorization: Bearer "+testToken); r.Status != 200 {
		t.Errorf("another client: %d %s", r.Status, r.Body)
	}
	out := logs.String()
	if strings.Count(out, "wrong or missing bearer token") != 3 || !strings.Contains(out, "client=127.0.0.1") ||
		!strings.Contains(out, "failures=3") || !strings.Contains(out, "answering 429") {
		t.Errorf("log:\n%s", out)
	}
	if strings.Contains(out, guess) || strings.Contains(out, testToken) {
		t.Errorf("a token is in the log:\n%s", out)
	}
	f.clock.Add(15 * time.Minute)
	if r := f.api("GET", "/v1/topics", ""); r.Status != 200 {
		t.Errorf("next window: %d %s", r.Status, r.Body)
	}
}

func TestClientOf(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.7:5000":             "192.0.2.7",
		"[::ffff:192.0.2.7]:5000":    "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"[fe80::1%eth0]:80":          "fe80::/64",
		"not an address":             "not an address",
	} {
		r := httptestRequest(remote)
		if got := clientOf(r); got != want {
			t.Errorf("clientOf(%q) = %q, want %q", remote, got, want)
		}
	}
}

func httptestRequest(remote string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = remote
	return r
}
