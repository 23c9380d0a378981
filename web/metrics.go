package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"herald/digest"
)

// sendBuckets are the upper bounds (seconds) of herald_send_seconds.
var sendBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Ingest results counted by herald_stories_ingested_total.
const (
	IngestCreated  = "created"
	IngestUpdated  = "updated"
	IngestRejected = "rejected"
)

// Metrics holds Herald's counters and writes them in the Prometheus text
// exposition format (version 0.0.4). It is safe for concurrent use.
//
// The dispatch runner lives outside this package, so sends are counted by
// wrapping each delivery channel with Channel: the wiring (webDeps in
// cmd/herald) replaces every entry of the channel map the runner uses by
// its wrapped self before the runner starts.
type Metrics struct {
	mu       sync.Mutex
	sent     map[[2]string]uint64 // {channel, result} -> count
	latency  map[string]*histogram
	ingested map[string]uint64
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; last is +Inf
	sum    float64
	n      uint64
}

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		sent:     map[[2]string]uint64{},
		latency:  map[string]*histogram{},
		ingested: map[string]uint64{},
	}
	for _, r := range []string{IngestCreated, IngestUpdated, IngestRejected} {
		m.ingested[r] = 0
	}
	return m
}

// Channel wraps ch (delivering subscribers of kind channel) so that each
// Send counts in herald_digests_sent_total{channel,result} (result sent,
// temporary or permanent) and herald_send_seconds{channel}.
func (m *Metrics) Channel(channel string, ch digest.Channel) digest.Channel {
	m.mu.Lock()
	for _, r := range []string{"sent", "temporary", "permanent"} {
		m.sent[[2]string{channel, r}] += 0
	}
	m.histogram(channel)
	m.mu.Unlock()
	return &countingChannel{m: m, name: channel, next: ch}
}

type countingChannel struct {
	m    *Metrics
	name string
	next digest.Channel
}

func (c *countingChannel) Send(ctx context.Context, msg *digest.Message) error {
	start := time.Now()
	err := c.next.Send(ctx, msg)
	c.m.ObserveSend(c.name, sendResult(err), time.Since(start))
	return err
}

func sendResult(err error) string {
	switch {
	case err == nil:
		return "sent"
	case digest.IsChannelDown(err):
		return "held"
	case digest.IsTemporary(err):
		return "temporary"
	}
	return "permanent"
}

// ObserveSend counts one message handed to channel with result ("sent",
// "held", "temporary", "permanent") after took.
func (m *Metrics) ObserveSend(channel, result string, took time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent[[2]string{channel, result}]++
	h := m.histogram(channel)
	secs := took.Seconds()
	i, _ := slices.BinarySearch(sendBuckets, secs)
	h.counts[i]++
	h.sum += secs
	h.n++
}

// histogram returns channel's histogram, creating it. m.mu is held.
func (m *Metrics) histogram(channel string) *histogram {
	h := m.latency[channel]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(sendBuckets)+1)}
		m.latency[channel] = h
	}
	return h
}

// CountIngest counts one story the API received, by result (IngestCreated,
// IngestUpdated, IngestRejected).
func (m *Metrics) CountIngest(result string) {
	m.mu.Lock()
	m.ingested[result]++
	m.mu.Unlock()
}

// Gauge is one sampled value written after the counters.
type Gauge struct {
	Name, Help string
	Value      float64
}

// WriteTo writes every metric, then gauges, in the text format.
func (m *Metrics) WriteTo(w io.Writer, gauges ...Gauge) error {
	bw := bufio.NewWriter(w)
	m.mu.Lock()
	m.writeSent(bw)
	m.writeLatency(bw)
	m.writeIngested(bw)
	m.mu.Unlock()
	for _, g := range gauges {
		header(bw, g.Name, "gauge", g.Help)
		fmt.Fprintf(bw, "%s %s\n", g.Name, formatFloat(g.Value))
	}
	return bw.Flush()
}

func (m *Metrics) writeSent(w io.Writer) {
	header(w, "herald_digests_sent_total", "counter", "Messages handed to a delivery channel, by channel and result (sent, temporary, permanent).")
	keys := make([][2]string, 0, len(m.sent))
	for k := range m.sent {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
	for _, k := range keys {
		fmt.Fprintf(w, "herald_digests_sent_total{channel=%s,result=%s} %d\n", quote(k[0]), quote(k[1]), m.sent[k])
	}
}

func (m *Metrics) writeLatency(w io.Writer) {
	header(w, "herald_send_seconds", "histogram", "Time a delivery channel took to accept or refuse one message.")
	for _, ch := range sortedKeys(m.latency) {
		h := m.latency[ch]
		var cum uint64
		for i, le := range sendBuckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "herald_send_seconds_bucket{channel=%s,le=%q} %d\n", quote(ch), formatFloat(le), cum)
		}
		fmt.Fprintf(w, "herald_send_seconds_bucket{channel=%s,le=\"+Inf\"} %d\n", quote(ch), h.n)
		fmt.Fprintf(w, "herald_send_seconds_sum{channel=%s} %s\n", quote(ch), formatFloat(h.sum))
		fmt.Fprintf(w, "herald_send_seconds_count{channel=%s} %d\n", quote(ch), h.n)
	}
}

func (m *Metrics) writeIngested(w io.Writer) {
	header(w, "herald_stories_ingested_total", "counter", "Stories received by the admin API, by result (created, updated, rejected).")
	for _, r := range sortedKeys(m.ingested) {
		fmt.Fprintf(w, "herald_stories_ingested_total{result=%s} %d\n", quote(r), m.ingested[r])
	}
}

func header(w io.Writer, name, typ, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// quote makes a label value: backslash, double quote and newline escaped.
func quote(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(v) + `"`
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// metrics serves /metrics: the counters, plus the due backlog and Redis
// reachability sampled now.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = s.d.Metrics.WriteTo(w, s.gauges(ctx)...)
}

func (s *Server) gauges(ctx context.Context) []Gauge {
	up := Gauge{Name: "herald_redis_up", Help: "1 when Redis answered the scrape's backlog query, else 0."}
	now := s.d.Now()
	due, oldest, err := s.d.Subs.Backlog(ctx, now)
	if err != nil {
		s.d.Logger.Warn("metrics: backlog", slog.Any("error", err))
		return []Gauge{up}
	}
	up.Value = 1
	age := 0.0
	if !oldest.IsZero() {
		age = now.Sub(oldest).Seconds()
	}
	return []Gauge{
		{Name: "herald_due_backlog", Help: "Subscribers due now whose digest is not yet delivered.", Value: float64(due)},
		{Name: "herald_due_oldest_seconds", Help: "How long the oldest due subscriber has waited (0 when none).", Value: age},
		up,
	}
}
