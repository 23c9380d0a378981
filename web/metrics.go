package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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

// Metrics holds Herald's counters in a Prometheus registry (client_golang),
// with the Go runtime and process collectors. It is safe for concurrent use.
//
// The dispatch runner lives outside this package, so sends are counted by
// wrapping each delivery channel with Channel: the wiring (webDeps in
// cmd/herald) replaces every entry of the channel map the runner uses by
// its wrapped self before the runner starts.
type Metrics struct {
	reg      *prometheus.Registry
	sent     *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	ingested *prometheus.CounterVec
}

// NewMetrics returns metrics at zero.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_digests_sent_total",
			Help: "Messages handed to a delivery channel, by channel and result (sent, temporary, permanent)."},
			[]string{"channel", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "herald_send_seconds",
			Help: "Time a delivery channel took to accept or refuse one message.", Buckets: sendBuckets},
			[]string{"channel"}),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_stories_ingested_total",
			Help: "Stories received by the admin API, by result (created, updated, rejected)."},
			[]string{"result"}),
	}
	m.reg.MustRegister(m.sent, m.latency, m.ingested,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, r := range []string{IngestCreated, IngestUpdated, IngestRejected} {
		m.ingested.WithLabelValues(r)
	}
	return m
}

// Channel wraps ch (delivering subscribers of kind channel) so that each
// Send counts in herald_digests_sent_total{channel,result} (result sent,
// temporary or permanent) and herald_send_seconds{channel}.
func (m *Metrics) Channel(channel string, ch digest.Channel) digest.Channel {
	for _, r := range []string{"sent", "temporary", "permanent"} {
		m.sent.WithLabelValues(channel, r)
	}
	m.latency.WithLabelValues(channel)
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
	m.sent.WithLabelValues(channel, result).Inc()
	m.latency.WithLabelValues(channel).Observe(took.Seconds())
}

// CountIngest counts one story the API received, by result (IngestCreated,
// IngestUpdated, IngestRejected).
func (m *Metrics) CountIngest(result string) {
	m.ingested.WithLabelValues(result).Inc()
}

// Handler serves the registry and extra (collectors sampled per scrape) in
// the Prometheus text format, or OpenMetrics when the scraper asks for it.
func (m *Metrics) Handler(extra ...prometheus.Collector) http.Handler {
	scrape := prometheus.NewRegistry()
	scrape.MustRegister(extra...)
	h := promhttp.HandlerFor(prometheus.Gatherers{m.reg, scrape}, promhttp.HandlerOpts{EnableOpenMetrics: true})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// backlog samples the due backlog and Redis reachability at each scrape.
type backlog struct{ s *Server }

var (
	redisUpDesc = prometheus.NewDesc("herald_redis_up", "1 when Redis answered the scrape's backlog query, else 0.", nil, nil)
	dueDesc     = prometheus.NewDesc("herald_due_backlog", "Subscribers due now whose digest is not yet delivered.", nil, nil)
	oldestDesc  = prometheus.NewDesc("herald_due_oldest_seconds", "How long the oldest due subscriber has waited (0 when none).", nil, nil)
)

func (b backlog) Describe(ch chan<- *prometheus.Desc) {
	ch <- redisUpDesc
	ch <- dueDesc
	ch <- oldestDesc
}

func (b backlog) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	now := b.s.d.Now()
	due, oldest, err := b.s.d.Subs.Backlog(ctx, now)
	if err != nil {
		b.s.d.Logger.Warn("metrics: backlog", slog.Any("error", err))
		ch <- prometheus.MustNewConstMetric(redisUpDesc, prometheus.GaugeValue, 0)
		return
	}
	age := 0.0
	if !oldest.IsZero() {
		age = now.Sub(oldest).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(dueDesc, prometheus.GaugeValue, float64(due))
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(redisUpDesc, prometheus.GaugeValue, 1)
}
