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
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
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
	tok := subscribers.SignToken(testKeys, &subscribers.Subscriber{ID: "ann"}, subscribers.ActionPreferences, now().Add(time.Hour))
	if code, body := get("/p/" + tok); code != 503 || !strings.Contains(body, "try again") {
		t.Errorf("preferences %d %s", code, body)
	}
	if code, body := get("/v1/subscribers/ann", "Authorization: Bearer "+testToken); code != 503 || !strings.Contains(body, `"code":"unavailable"`) {
		t.Errorf("api %d %s", code, body)
	}
}

// failing is a channel that refuses every message with err.
type failing struct{ err error }

func (c failing) Send(context.Context, *digest.Message) error { return c.err }

// /metrics is what the Prometheus text parser reads: Herald's names and
// labels kept, a well-formed histogram, the Go runtime and process
// collectors, and OpenMetrics for a scraper that asks.
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
	due := prometheus.NewGauge(prometheus.GaugeOpts{Name: "herald_due_backlog", Help: "h"})
	due.Set(7)
	srv := httptest.NewServer(m.Handler(due))
	defer srv.Close()

	families := scrape(t, srv.URL)
	for name, typ := range map[string]dto.MetricType{
		"herald_digests_sent_total": dto.MetricType_COUNTER, "herald_send_seconds": dto.MetricType_HISTOGRAM,
		"herald_stories_ingested_total": dto.MetricType_COUNTER, "herald_due_backlog": dto.MetricType_GAUGE,
		"go_goroutines": dto.MetricType_GAUGE, "process_cpu_seconds_total": dto.MetricType_COUNTER,
	} {
		if f := families[name]; f == nil || f.GetType() != typ {
			t.Errorf("%s: %v, want a %v", name, f, typ)
		}
	}
	for _, c := range []struct {
		labels string
		want   float64
	}{{"email/sent", 4}, {"slack/temporary", 1}, {"slack/permanent", 1}, {"email/temporary", 0}} {
		if got := counter(families["herald_digests_sent_total"], c.labels); got != c.want {
			t.Errorf("herald_digests_sent_total{%s} = %v, want %v", c.labels, got, c.want)
		}
	}
	checkHistogram(t, families["herald_send_seconds"])
	if got := families["herald_due_backlog"].GetMetric()[0].GetGauge().GetValue(); got != 7 {
		t.Errorf("herald_due_backlog = %v", got)
	}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	if res, err := http.DefaultClient.Do(req); err != nil || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/openmetrics-text") {
		t.Errorf("OpenMetrics not offered: %v %v", err, res.Header)
	} else {
		res.Body.Close()
	}
}

// scrape GETs url and parses it with the Prometheus text parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("the Prometheus text parser refuses /metrics: %v", err)
	}
	return families
}

// counter is the value of the sample whose label values, joined by "/",
// are labels.
func counter(f *dto.MetricFamily, labels string) float64 {
	for _, m := range f.GetMetric() {
		var vals []string
		for _, l := range m.GetLabel() {
			vals = append(vals, l.GetValue())
		}
		if strings.Join(vals, "/") == labels {
			return m.GetCounter().GetValue()
		}
	}
	return -1
}

func checkHistogram(t *testing.T, f *dto.MetricFamily) {
	t.Helper()
	for _, m := range f.GetMetric() {
		h := m.GetHistogram()
		if m.GetLabel()[0].GetValue() != "email" {
			continue
		}
		if h.GetSampleCount() != 4 || len(h.GetBucket()) != len(sendBuckets)+1 { // +Inf too
			t.Errorf("email histogram: count %d, %d buckets", h.GetSampleCount(), len(h.GetBucket()))
		}
		for _, b := range h.GetBucket() {
			if b.GetUpperBound() == 1 && b.GetCumulativeCount() != 3 || b.GetUpperBound() == 2.5 && b.GetCumulativeCount() != 4 {
				t.Errorf("bucket le=%v: %d", b.GetUpperBound(), b.GetCumulativeCount())
			}
		}
		return
	}
	t.Error("no email histogram")
}

// Every Herald metric the example Grafana dashboard queries is served.
func TestDashboardMetricsExist(t *testing.T) {
	f := newFixture(t)
	b, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct{ Panels []json.RawMessage }
	if err := json.Unmarshal(b, &dash); err != nil || len(dash.Panels) == 0 {
		t.Fatalf("docs/grafana-dashboard.json: %v", err)
	}
	families := scrape(t, f.srv.URL+"/metrics")
	for _, name := range regexp.MustCompile(`\b(herald|go|process)_[a-z_]+`).FindAllString(string(b), -1) {
		if families[name] == nil && families[strings.TrimSuffix(name, "_bucket")] == nil {
			t.Errorf("the dashboard queries %s, which /metrics does not serve", name)
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
