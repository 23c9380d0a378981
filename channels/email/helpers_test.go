package email_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/channels/email"
	"herald/digest"
	"herald/internal/smtptest"
	"herald/subscribers"
)

var (
	from     = digest.Address{Name: "Herald Digest", Email: "digest@news.example"}
	msgDate  = time.Date(2025, 3, 14, 7, 30, 0, 0, time.FixedZone("JST", 9*3600))
	testHost = "news.example"
)

// testMessage is an email message with non-ASCII text, a line longer than
// quoted-printable allows, HTML, both unsubscribe links and an extra header.
func testMessage(id string) *digest.Message {
	return &digest.Message{
		ID:           id,
		SubscriberID: "sub-1",
		Kind:         subscribers.KindEmail,
		Date:         msgDate,
		To:           digest.Address{Name: "Ada Reader", Email: "ada@example.org"},
		Email: &digest.Rendered{
			Subject: "Your digest: Japan · 日本 (3 stories)",
			Text:    []byte("Hello Ada,\n\n" + strings.Repeat("A long line about the Bank of Japan. ", 5) + "\n= end =\n"),
			HTML:    []byte("<html><body><p>Hello <b>Ada</b> &amp; 日本</p></body></html>"),
		},
		Links: digest.Links{
			Site:        "https://news.example/",
			Unsubscribe: "https://news.example/u/tok123?a=1&b=2",
			Preferences: "https://news.example/p/tok123",
			Mailto:      "mailto:unsubscribe@news.example?subject=unsub-tok123",
		},
		Headers: map[string]string{"X-Herald-Subscriber": "sub-1"},
	}
}

// recorder stands in for Config.Sleep and counts the pauses.
type recorder struct {
	mu     sync.Mutex
	sleeps []time.Duration
	now    time.Time // advanced by each sleep, for the rate limiter's clock
}

func (r *recorder) Sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sleeps = append(r.sleeps, d)
	r.now = r.now.Add(d)
	return ctx.Err()
}

func (r *recorder) Now() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *recorder) Sleeps() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.sleeps...)
}

// baseConfig points at srv in plain text with injected pauses.
func baseConfig(srv *smtptest.Server, rec *recorder) email.Config {
	return relayConfig(srv.Host(), srv.Port(), rec)
}

// relayConfig is a Config for the server at host:port, without TLS.
func relayConfig(host string, port int, rec *recorder) email.Config {
	return email.Config{
		Host:     host,
		Port:     port,
		TLS:      email.TLSNone,
		From:     from,
		HeloName: "herald.test",
		Hostname: testHost,
		Timeout:  10 * time.Second,
		Backoff:  func(int) time.Duration { return time.Second },
		Sleep:    rec.Sleep,
		Now:      rec.Now,
	}
}

func newSender(t *testing.T, cfg email.Config, logger *slog.Logger) *email.Sender {
	t.Helper()
	s, err := email.New(cfg, logger)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func sendError(t *testing.T, err error) *digest.SendError {
	t.Helper()
	var se *digest.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *digest.SendError", err, err)
	}
	return se
}

func waitFor(t *testing.T, srv *smtptest.Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitFor(ctx, n); err != nil {
		t.Fatalf("waiting for %d messages (have %d): %v", n, srv.Count(), err)
	}
}

func parse(t *testing.T, data []byte) *mail.Message {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v\n%s", err, data)
	}
	return m
}

type part struct {
	contentType string
	body        string
}

// parts walks a multipart/alternative body, decoding quoted-printable.
func parts(t *testing.T, m *mail.Message) []part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", m.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	var out []part
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		if cte := p.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
			t.Fatalf("part Content-Transfer-Encoding = %q, want quoted-printable", cte)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(p))
		if err != nil {
			t.Fatalf("decode part: %v", err)
		}
		out = append(out, part{p.Header.Get("Content-Type"), string(body)})
	}
}
