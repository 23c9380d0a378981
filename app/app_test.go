package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"herald/app"
	"herald/channels/email"
	"herald/digest"
	"herald/examples"
	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/internal/smtptest"
	"herald/stories"
	"herald/subscribers"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// harness is Herald wired as in production (real Redis, real SMTP over
// TCP), with the clock and the email sender's sleep injected.
type harness struct {
	t      *testing.T
	app    *app.App
	clock  *settable.Clock
	smtp   *smtptest.Server
	sleeps []time.Duration
	runner *digest.Runner
	email  *email.Sender
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	h := &harness{t: t, clock: settable.New(time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)), smtp: smtptest.Start(t)}
	cfg := app.DefaultConfig()
	cfg.RedisPrefix = prefix
	cfg.Secret = "test-secret"
	cfg.From = "Herald News <digest@news.example.com>"
	cfg.BaseURL = "https://herald.example.com"
	cfg.UnsubMailto = "unsubscribe@news.example.com"
	cfg.SMTPURL = fmt.Sprintf("smtp://%s?tls=none", h.smtp.Addr())
	a, err := app.New(context.Background(), cfg, app.Options{RDB: rdb, Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h.app = a
	ecfg, err := email.ParseURL(cfg.SMTPURL)
	if err != nil {
		t.Fatal(err)
	}
	from, host := a.Sender()
	ecfg.From, ecfg.Hostname, ecfg.PoolSize = from, host, 2
	ecfg.Sleep = func(_ context.Context, d time.Duration) error { h.sleeps = append(h.sleeps, d); return nil }
	sender, err := email.New(ecfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sender.Close() })
	h.email = sender
	h.runner = a.Runner(map[subscribers.Kind]digest.Channel{subscribers.KindEmail: sender})
	return h
}

func (h *harness) seedStory() *stories.Story {
	h.t.Helper()
	list, err := stories.Parse(bytes.NewReader(examples.Stories()))
	if err != nil {
		h.t.Fatal(err)
	}
	seed := list[0]
	if _, err := h.app.Ingest(context.Background(), seed); err != nil {
		h.t.Fatal(err)
	}
	return seed
}

func (h *harness) reader(addr string) *subscribers.Subscriber {
	h.t.Helper()
	s := &subscribers.Subscriber{Kind: subscribers.KindEmail, Email: addr, Name: "Park Ji-woo",
		TimeZone: "Asia/Seoul", Schedule: "daily 07:00", Topics: []string{"south-korea", "japan"}}
	if err := h.app.Subs.Add(context.Background(), s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

// dispatchAt runs one dispatch at t.
func (h *harness) dispatchAt(t time.Time) digest.Stats {
	h.t.Helper()
	h.clock.Set(t)
	st, err := h.runner.RunOnce(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

func TestEmailDigestHeadersOnTheWire(t *testing.T) {
	h := newHarness(t)
	sub := h.reader("jiwoo@example.com")
	h.clock.Set(h.clock.Now().Add(time.Hour))
	seed := h.seedStory()
	st := h.dispatchAt(time.Date(2026, 11, 28, 22, 0, 5, 0, time.UTC)) // 07:00 in Seoul
	if st.Sent != 1 || h.smtp.Count() != 1 {
		t.Fatalf("stats %+v, server got %d", st, h.smtp.Count())
	}
	raw := h.smtp.Messages()[0]
	if len(raw.To) != 1 || raw.To[0] != "jiwoo@example.com" || raw.From != "digest@news.example.com" {
		t.Errorf("envelope from %q to %v", raw.From, raw.To)
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw.Data))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v", err)
	}
	hd := m.Header
	if from, _ := hd.AddressList("From"); len(from) != 1 || from[0].Address != "digest@news.example.com" || from[0].Name != "Herald News" {
		t.Errorf("From = %q", hd.Get("From"))
	}
	if to, _ := hd.AddressList("To"); len(to) != 1 || to[0].Address != "jiwoo@example.com" || to[0].Name != "Park Ji-woo" {
		t.Errorf("To = %q", hd.Get("To"))
	}
	if d, err := hd.Date(); err != nil || !d.Equal(time.Date(2026, 11, 28, 22, 0, 5, 0, time.UTC)) {
		t.Errorf("Date = %q (%v)", hd.Get("Date"), err)
	}
	wantID := "<" + digest.MessageID(sub.ID, sub.Cursor) + "@news.example.com>"
	if got := hd.Get("Message-Id"); got != wantID {
		t.Errorf("Message-ID = %q, want %q", got, wantID)
	}
	subject := decodeHeader(t, hd.Get("Subject"))
	head, _, _ := strings.Cut(subject, "…")
	if !strings.HasPrefix(seed.Headline, head) || len(head) < 40 || utf8.RuneCountInString(subject) > 78 {
		t.Errorf("Subject %q is not the top story's headline cut to fit 78 characters", subject)
	}
	lu := hd.Get("List-Unsubscribe")
	if !strings.Contains(lu, "<https://herald.example.com/u/") || !strings.Contains(lu, "<mailto:unsubscribe@news.example.com") {
		t.Errorf("List-Unsubscribe = %q, want an https link and a mailto", lu)
	}
	if got := hd.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", got)
	}
	parts := alternativeParts(t, m)
	if len(parts) != 2 || parts[0].typ != "text/plain" || parts[1].typ != "text/html" {
		t.Fatalf("parts %v, want text/plain then text/html", partTypes(parts))
	}
	if text := strings.Join(strings.Fields(parts[0].body), " "); !strings.Contains(text, seed.Headline) {
		t.Errorf("text part lacks the headline:\n%s", parts[0].body)
	}
	if !strings.Contains(parts[1].body, "What the papers say") || !strings.Contains(parts[1].body, "The Japan Times") {
		t.Errorf("HTML part lacks the seed story's sources:\n%s", parts[1].body)
	}
	token := strings.TrimSuffix(strings.SplitN(strings.SplitN(lu, "/u/", 2)[1], ">", 2)[0], "")
	if ref, err := subscribers.VerifyToken(h.app.Keys, token, "unsubscribe", h.clock.Now()); err != nil || !ref.Names(sub) || sub.Nonce == "" {
		t.Errorf("unsubscribe token names %+v (%v), want %s with nonce %q", ref, err, sub.ID, sub.Nonce)
	}
}

// A 451 on the first attempt: retried with backoff, delivered exactly once.
func TestTemporarySMTPFailureDeliveredOnce(t *testing.T) {
	h := newHarness(t)
	h.reader("busy@example.com")
	h.clock.Set(h.clock.Now().Add(time.Hour))
	h.seedStory()
	h.smtp.FailNext("busy@example.com", 451, 1)
	st := h.dispatchAt(time.Date(2026, 11, 28, 22, 0, 5, 0, time.UTC))
	if st.Sent != 1 || h.smtp.Count() != 1 {
		t.Fatalf("stats %+v, server accepted %d; want exactly one", st, h.smtp.Count())
	}
	if h.smtp.Attempts("busy@example.com") != 2 || len(h.sleeps) != 1 {
		t.Errorf("attempts %d, backoff sleeps %v; want 2 attempts and one backoff", h.smtp.Attempts("busy@example.com"), h.sleeps)
	}
	if st := h.dispatchAt(time.Date(2026, 11, 28, 23, 0, 0, 0, time.UTC)); st.Claimed != 0 || h.smtp.Count() != 1 {
		t.Errorf("later run %+v, server has %d", st, h.smtp.Count())
	}
}

// A 550 is recorded against the subscriber, who is suppressed and never
// tried again.
func TestPermanentSMTPFailureRecorded(t *testing.T) {
	h := newHarness(t)
	sub := h.reader("nobody@example.com")
	h.clock.Set(h.clock.Now().Add(time.Hour))
	h.seedStory()
	h.smtp.FailNext("nobody@example.com", 550, 100)
	st := h.dispatchAt(time.Date(2026, 11, 28, 22, 0, 5, 0, time.UTC))
	if st.Permanent != 1 || h.smtp.Count() != 0 {
		t.Fatalf("stats %+v", st)
	}
	got, err := h.app.Subs.Get(context.Background(), sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != subscribers.StatusBounced || got.Bounces != 1 || !strings.Contains(got.LastError, "550") {
		t.Errorf("status %s, bounces %d, last error %q", got.Status, got.Bounces, got.LastError)
	}
	if s, err := h.app.Subs.Suppressed(context.Background(), "nobody@example.com"); err != nil || s == nil || !strings.Contains(s.Reason, "bounced") {
		t.Errorf("address not suppressed after a hard bounce: %+v (%v)", s, err)
	}
	for day := 1; day <= 3; day++ {
		h.dispatchAt(time.Date(2026, 11, 28+day, 22, 0, 5, 0, time.UTC))
	}
	if n := h.smtp.Attempts("nobody@example.com"); n != 1 {
		t.Errorf("%d attempts at a 550 address, want 1", n)
	}
	recent, err := h.app.Log.Recent(context.Background(), 10)
	if err != nil || len(recent) != 1 || recent[0].Result != "permanent" || !strings.Contains(recent[0].Error, "550") {
		t.Errorf("delivery log %+v (%v)", recent, err)
	}
}

type part struct{ typ, body string }

func alternativeParts(t *testing.T, m *mail.Message) []part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: want multipart/alternative", m.Header.Get("Content-Type"))
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	var out []part
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = p
		if p.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			body = quotedprintable.NewReader(p)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		typ, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		out = append(out, part{typ: typ, body: string(b)})
	}
}

func partTypes(ps []part) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.typ)
	}
	return out
}

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
