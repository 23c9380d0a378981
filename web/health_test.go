package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/digest"
	"herald/internal/health"
	"herald/internal/redistest"
	"herald/stories"
	"herald/subscribers"
)

func TestHealthAndReadiness(t *testing.T) {
	f := newFixture(t)
	if r := f.do("GET", "/healthz", ""); r.Status != 200 || r.Body != "ok\n" {
		t.Errorf("healthz %d %q", r.Status, r.Body)
	}
	if r := f.do("GET", "/readyz", ""); r.Status != 200 || !strings.Contains(r.Body, `"status":"ready"`) ||
		!strings.Contains(r.Body, `{"name":"redis","state":"up","critical":true`) {
		t.Errorf("readyz %d %q", r.Status, r.Body)
	}
}

// With a relay down the service is degraded, not unavailable: 200, and the
// body names the relay with its last error and since when.
func TestReadyzNamesEachDependency(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	now := func() time.Time { return mustTime(t, testStart) }
	reg := health.New(now)
	reg.Add("redis", health.Critical(), health.Probe(func(ctx context.Context) error { return rdb.Ping(ctx).Err() }))
	reg.Add("smtp mail.example.com:587").Down(errors.New("dial tcp: connection refused"))
	reg.Add("slack").Unconfigured("HERALD_SLACK_TOKEN is not set")
	srv := httptest.NewServer(New(Deps{RDB: rdb, Stories: stories.NewStore(rdb, prefix, stories.Options{}),
		Subs: subscribers.NewStore(rdb, prefix, now), Secret: testSecret, Health: reg, Now: now, Logger: testLogger(t)}))
	defer srv.Close()
	res, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Status string
		Checks []health.State
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || body.Status != "degraded" || len(body.Checks) != 3 {
		t.Fatalf("readyz %d %+v, want 200 degraded with three checks", res.StatusCode, body)
	}
	smtp := body.Checks[1]
	if smtp.Name != "smtp mail.example.com:587" || smtp.State != "down" || !strings.Contains(smtp.LastError, "refused") || !smtp.Since.Equal(now()) {
		t.Errorf("smtp check %+v", smtp)
	}
	if body.Checks[2].State != "unconfigured" {
		t.Errorf("slack check %+v", body.Checks[2])
	}
}

// deadRedis is a client for a port nothing listens on.
func deadRedis(t *testing.T) redis.UniversalClient {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func TestRedisDown(t *testing.T) {
	rdb := deadRedis(t)
	now := func() time.Time { return mustTime(t, testStart) }
	srv := httptest.NewServer(New(Deps{
		RDB: rdb, Stories: stories.NewStore(rdb, "x:", stories.Options{}), Subs: subscribers.NewStore(rdb, "x:", now),
		Secret: testSecret, APIToken: testToken, Now: now, Logger: testLogger(t),
	}))
	defer srv.Close()
	get := func(path string, hdr ...string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		for _, h := range hdr {
			k, v, _ := strings.Cut(h, ": ")
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b strings.Builder
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
		}
		return res.StatusCode, b.String()
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("healthz %d", code)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "redis") {
		t.Errorf("readyz %d %q", code, body)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "herald_redis_up 0") || strings.Contains(body, "herald_due_backlog") {
		t.Errorf("metrics %d %s", code, body)
	}
	tok := subscribers.SignToken(testSecret, "ann", subscribers.ActionPreferences, now().Add(time.Hour))
	if code, body := get("/p/" + tok); code != 503 || !strings.Contains(body, "try again") {
		t.Errorf("preferences %d %s", code, body)
	}
	if code, body := get("/v1/subscribers/ann", "Authorization: Bearer "+testToken); code != 500 || !strings.Contains(body, CodeInternal) {
		t.Errorf("api %d %s", code, body)
	}
}

// failing is a channel that refuses every message with err.
type failing struct{ err error }

func (c failing) Send(context.Context, *digest.Message) error { return c.err }

func TestMetricsFormat(t *testing.T) {
	m := NewMetrics()
	ok := m.Channel("email", &recorder{})
	tmp := m.Channel("slack", failing{digest.Temporary(429, errors.New("slow down"))})
	perm := m.Channel("slack", failing{digest.Permanent(0, "channel_not_found", errors.New("gone"))})
	for range 3 {
		_ = ok.Send(context.Background(), &digest.Message{})
	}
	_ = tmp.Send(context.Background(), &digest.Message{})
	_ = perm.Send(context.Background(), &digest.Message{})
	m.ObserveSend("email", "sent", 2*time.Second)
	m.CountIngest(IngestCreated)
	var b strings.Builder
	if err := m.WriteTo(&b, Gauge{Name: "herald_due_backlog", Help: "h", Value: 7}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"# TYPE herald_digests_sent_total counter",
		`herald_digests_sent_total{channel="email",result="sent"} 4`,
		`herald_digests_sent_total{channel="slack",result="temporary"} 1`,
		`herald_digests_sent_total{channel="slack",result="permanent"} 1`,
		"# TYPE herald_send_seconds histogram",
		`herald_send_seconds_bucket{channel="email",le="1"} 3`,
		`herald_send_seconds_bucket{channel="email",le="2.5"} 4`,
		`herald_send_seconds_bucket{channel="email",le="+Inf"} 4`,
		`herald_send_seconds_count{channel="slack"} 2`,
		`herald_stories_ingested_total{result="created"} 1`,
		"# TYPE herald_due_backlog gauge\nherald_due_backlog 7\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	// Every sample line is name{labels} value.
	sample := regexp.MustCompile(`^[a-z_]+(\{([a-z_]+="[^"]*",?)+\})? [0-9.e+-]+$`)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, "# ") && !sample.MatchString(line) {
			t.Errorf("bad line %q", line)
		}
	}
}

// An unauthenticated /v1 request is answered 401 without its body being
// read, and the connection is closed: a slow body holds nothing.
func TestUnauthorizedClosesWithoutReadingBody(t *testing.T) {
	f := newFixture(t)
	c, err := net.Dial("tcp", strings.TrimPrefix(f.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = c.Write([]byte("POST /v1/stories HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[{"))
	_ = c.SetReadDeadline(time.Now().Add(15 * time.Second)) // bounds the test only
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("connection still open after the 401 (%v): %q", err, got)
	}
	if !strings.HasPrefix(string(got), "HTTP/1.1 401") {
		t.Errorf("answer %q, want 401", got)
	}
}
