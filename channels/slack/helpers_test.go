package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/channels/slack"
	"herald/digest"
	"herald/internal/egress"
	"herald/internal/logbuf"
)

const (
	testToken     = "xoxb-test"
	webhookSecret = "/services/T000/B000/s3cretWebhookPath"
)

// fakeClock is the injected clock: Sleep records the wait and moves Now.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

func total(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum
}

// request is one request the recording server saw.
type request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	Form   url.Values // parsed form body, for chat.postMessage
	At     time.Time  // injected clock at arrival
	Status int        // status the server answered
}

// reply answers the n-th (0-based) request.
type reply func(w http.ResponseWriter, r *http.Request, n int)

// recorder is an httptest server that records every request to
// /api/chat.postMessage and to the webhook path, then answers with reply.
type recorder struct {
	clock *fakeClock
	reply reply
	srv   *httptest.Server

	mu   sync.Mutex
	reqs []request
}

func newRecorder(t *testing.T, clock *fakeClock, rep reply) *recorder {
	t.Helper()
	rec := &recorder{clock: clock, reply: rep}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat.postMessage", rec.handle)
	mux.HandleFunc("POST "+webhookSecret, rec.handle)
	rec.srv = httptest.NewServer(mux)
	t.Cleanup(rec.srv.Close)
	return rec
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	rec.mu.Lock()
	n := len(rec.reqs)
	rec.reqs = append(rec.reqs, request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(),
		Body: body, Form: form, At: rec.clock.Now()})
	rec.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	rec.reply(sw, r, n)
	rec.mu.Lock()
	rec.reqs[n].Status = sw.status
	rec.mu.Unlock()
}

func (rec *recorder) requests() []request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]request(nil), rec.reqs...)
}

func (rec *recorder) succeeded() int {
	n := 0
	for _, r := range rec.requests() {
		if r.Status == http.StatusOK {
			n++
		}
	}
	return n
}

func (rec *recorder) apiURL() string     { return rec.srv.URL + "/api/" }
func (rec *recorder) webhookURL() string { return rec.srv.URL + webhookSecret }

// Replies.

func okAPI(w http.ResponseWriter, r *http.Request, _ int) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true,"channel":"`+r.FormValue("channel")+`","ts":"1700000000.000100"}`)
}

func apiError(code string) reply {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":false,"error":"`+code+`"}`)
	}
}

func status(code int, body string, header ...string) reply {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func webhookOK(w http.ResponseWriter, _ *http.Request, _ int) {
	_, _ = io.WriteString(w, "ok")
}

// sequence answers request n with replies[n], repeating the last one.
func sequence(replies ...reply) reply {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		replies[min(n, len(replies)-1)](w, r, n)
	}
}

// backoffs records the attempts Backoff was asked about.
type backoffs struct {
	mu       sync.Mutex
	attempts []int
}

func (b *backoffs) Backoff(n int) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.attempts = append(b.attempts, n)
	return backoffFor(n)
}

func (b *backoffs) asked() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.attempts...)
}

func backoffFor(n int) time.Duration { return time.Duration(n) * 3 * time.Second }

// fixture is a Sender wired to a recorder, a fake clock and a log buffer.
type fixture struct {
	rec     *recorder
	clock   *fakeClock
	logs    *logbuf.Buffer
	backoff *backoffs
	sender  *slack.Sender
}

// newFixture builds a Sender; tweak may change the config. At cleanup it
// checks that neither the token nor the webhook URL reached the logs.
func newFixture(t *testing.T, rep reply, tweak func(*slack.Config)) *fixture {
	t.Helper()
	f := &fixture{clock: newClock(), logs: &logbuf.Buffer{}, backoff: &backoffs{}}
	f.rec = newRecorder(t, f.clock, rep)
	cfg := slack.Config{
		Token:      testToken,
		APIURL:     f.rec.apiURL(),
		MaxRetries: 3,
		Backoff:    f.backoff.Backoff,
		Sleep:      f.clock.Sleep,
		Now:        f.clock.Now,
		Webhooks:   allowHost(t, f.rec.srv.URL),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	logger := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.sender = slack.New(cfg, logger)
	t.Cleanup(func() { assertNoSecret(t, "logs", f.logs.String()) })
	return f
}

// allowHost is the webhook policy with rawURL's host:port allow-listed,
// as HERALD_SLACK_WEBHOOK_HOSTS does for a test double.
func allowHost(t *testing.T, rawURL string) *egress.Hosts {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := slack.WebhookPolicy(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func assertNoSecret(t *testing.T, where, s string) {
	t.Helper()
	for _, secret := range []string{testToken, webhookSecret, "s3cretWebhookPath"} {
		if strings.Contains(s, secret) {
			t.Errorf("%s contain the secret %q:\n%s", where, secret, s)
		}
	}
}

func channelMsg(id, channel string, payloads ...string) *digest.Message {
	return &digest.Message{ID: id, Slack: &digest.SlackDestination{Channel: channel}, Payloads: raws(payloads)}
}

func webhookMsg(id, webhook string, payloads ...string) *digest.Message {
	return &digest.Message{ID: id, Slack: &digest.SlackDestination{WebhookURL: webhook}, Payloads: raws(payloads)}
}

func raws(payloads []string) []json.RawMessage {
	out := make([]json.RawMessage, len(payloads))
	for i, p := range payloads {
		out[i] = json.RawMessage(p)
	}
	return out
}

func textPayload(text string) string {
	b, _ := json.Marshal(map[string]string{"text": text})
	return string(b)
}

// sendError asserts err is a *digest.SendError and returns it.
func sendError(t *testing.T, err error) *digest.SendError {
	t.Helper()
	var se *digest.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *digest.SendError", err, err)
	}
	assertNoSecret(t, "error", err.Error())
	return se
}

// jsonEqual reports whether a and b hold the same JSON value.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("unmarshal %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

func texts(reqs []request) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.Form.Get("text")
	}
	return out
}
