package egress_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"herald/internal/egress"
)

var slackHosts = []string{"hooks.slack.com", "hooks.slack-gov.com"}

func policy(t *testing.T, allow string) *egress.Hosts {
	t.Helper()
	h, err := egress.Parse(slackHosts, allow, "HERALD_SLACK_WEBHOOK_HOSTS")
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestCheckURL(t *testing.T) {
	h := policy(t, "proxy.internal:8443, 127.0.0.1:9999")
	tests := []struct {
		url, want string // want: "" accepted, else a part of the error
	}{
		{"https://hooks.slack.com/services/T/B/X", ""},
		{"https://HOOKS.slack-gov.com/services/T/B/X", ""},
		{"https://hooks.slack.com:443/services/T/B/X", ""},
		{"https://proxy.internal:8443/hook", ""},
		{"http://127.0.0.1:9999/hook", ""},
		{"http://hooks.slack.com/services/T/B/X", "must be https"},
		{"https://hooks.slack.com:8443/services/T/B/X", "port 443"},
		{"https://169.254.169.254/latest/meta-data/", "link-local"},
		{"http://localhost:6379/", "loopback"},
		{"http://127.0.0.1:6379/", "loopback"},
		{"https://[::1]/x", "loopback"},
		{"https://10.0.0.8/x", "private"},
		{"https://[::ffff:169.254.169.254]/x", "link-local"},
		{"https://proxy.internal/hook", "HERALD_SLACK_WEBHOOK_HOSTS"},
		{"https://hooks.slack.com.evil.example/x", "not one of"},
		{"https://user:pw@hooks.slack.com/x", "not a valid URL"},
		{"ftp://127.0.0.1:9999/x", "must be https"},
	}
	for _, tt := range tests {
		err := h.CheckURL(tt.url)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("CheckURL(%s) = %v, want %q", tt.url, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "/x") {
			t.Errorf("CheckURL(%s): the error shows the path: %v", tt.url, err)
		}
	}
	if _, err := egress.Parse(slackHosts, "https://x.example/", "HERALD_SLACK_WEBHOOK_HOSTS"); err == nil || !strings.Contains(err.Error(), "HERALD_SLACK_WEBHOOK_HOSTS") {
		t.Errorf("a URL in the allow-list: %v, want an error naming the setting", err)
	}
}

// The dialler refuses an internal address a name resolves to (what a DNS
// rebinding aims at) unless the host is allow-listed; the recording
// server sees no request.
func TestDialRefusesInternal(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	byName := "http://localhost:" + u.Port() + "/"

	_, err := policy(t, "").Client(5 * time.Second).Get(byName)
	if !errors.Is(err, egress.ErrRefused) || hits.Load() != 0 {
		t.Fatalf("GET %s: %v with %d requests recorded; want ErrRefused and none", byName, err, hits.Load())
	}
	resp, err := policy(t, "localhost:"+u.Port()).Client(5 * time.Second).Get(byName)
	if err != nil {
		t.Fatalf("allow-listed: %v", err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Errorf("%d requests recorded for the allow-listed host, want 1", hits.Load())
	}
}

// A redirect is the answer, not followed: its target records nothing.
func TestClientFollowsNoRedirect(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(target.Close)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/inside", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	allow := strings.TrimPrefix(redirect.URL, "http://") + "," + strings.TrimPrefix(target.URL, "http://")
	resp, err := policy(t, allow).Client(5*time.Second).Post(redirect.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || hits.Load() != 0 {
		t.Errorf("status %d, %d requests at the redirect's target; want 307 and none", resp.StatusCode, hits.Load())
	}
}
