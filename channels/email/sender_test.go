package email_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"herald/channels/email"
	"herald/digest"
	"herald/internal/smtptest"
)

func TestSendDelivers(t *testing.T) {
	srv := smtptest.Start(t)
	rec := &recorder{}
	s := newSender(t, baseConfig(srv, rec), nil)
	msg := testMessage("d-sub-1-20250314")
	if err := s.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	waitFor(t, srv, 1)
	got := srv.Messages()[0]
	if got.From != from.Email || len(got.To) != 1 || got.To[0] != msg.To.Email {
		t.Errorf("envelope = %q -> %q", got.From, got.To)
	}
	m := parse(t, got.Data)
	h := m.Header
	checks := []struct{ header, want string }{
		{"From", `"Herald Digest" <digest@news.example>`},
		{"To", `"Ada Reader" <ada@example.org>`},
		{"Message-ID", "<d-sub-1-20250314@news.example>"},
		{"List-Unsubscribe", "<https://news.example/u/tok123?a=1&b=2>, <mailto:unsubscribe@news.example?subject=unsub-tok123>"},
		{"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
		{"X-Herald-Subscriber", "sub-1"},
		{"MIME-Version", "1.0"},
	}
	for _, c := range checks {
		if g := h.Get(c.header); g != c.want {
			t.Errorf("%s = %q, want %q", c.header, g, c.want)
		}
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != msg.Email.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, msg.Email.Subject)
	}
	if d, err := h.Date(); err != nil || !d.Equal(msgDate) {
		t.Errorf("Date = %v (%v), want %v", d, err, msgDate)
	}
	ps := parts(t, m)
	if len(ps) != 2 || !strings.HasPrefix(ps[0].contentType, "text/plain") || !strings.HasPrefix(ps[1].contentType, "text/html") {
		t.Fatalf("parts = %+v, want text/plain then text/html", ps)
	}
	if want := strings.ReplaceAll(string(msg.Email.Text), "\n", "\r\n"); ps[0].body != want && ps[0].body != string(msg.Email.Text) {
		t.Errorf("text part = %q, want %q", ps[0].body, msg.Email.Text)
	}
	if ps[1].body != string(msg.Email.HTML) {
		t.Errorf("html part = %q, want %q", ps[1].body, msg.Email.HTML)
	}

	var written bytes.Buffer
	if err := email.WriteMessage(&written, msg, from, testHost); err != nil {
		t.Fatalf("WriteMessage: %v", err)
	}
	if !bytes.Equal(written.Bytes(), got.Data) {
		t.Errorf("WriteMessage bytes differ from the bytes the server received:\n%s\n---\n%s", written.Bytes(), got.Data)
	}
}

func TestSendRejectsHeaderInjection(t *testing.T) {
	tests := []struct {
		name, header string
		mutate       func(*digest.Message)
	}{
		{"subject", "Subject", func(m *digest.Message) { m.Email.Subject = "Hi\r\nBcc: x@evil.example" }},
		{"to name", "To", func(m *digest.Message) { m.To.Name = "Ada\r\nBcc: x@evil.example" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t)
			s := newSender(t, baseConfig(srv, &recorder{}), nil)
			msg := testMessage("inj-1")
			tt.mutate(msg)
			err := s.Send(context.Background(), msg)
			se := sendError(t, err)
			if se.Temporary || se.Reason != "invalid_message" {
				t.Errorf("SendError = %+v, want permanent invalid_message", se)
			}
			if want := fmt.Sprintf("header %q: contains CR or LF", tt.header); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name the header (%s)", err, want)
			}
			if srv.Connections() != 0 || srv.Count() != 0 {
				t.Errorf("server saw %d connections, %d messages; want none", srv.Connections(), srv.Count())
			}
		})
	}
}

func TestSendReusesOneConnectionWhenSequential(t *testing.T) {
	srv := smtptest.Start(t)
	cfg := baseConfig(srv, &recorder{})
	cfg.PoolSize = 4
	s := newSender(t, cfg, nil)
	for i := range 50 {
		if err := s.Send(context.Background(), testMessage("seq-"+strconv.Itoa(i))); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	if srv.Count() != 50 || srv.Connections() != 1 {
		t.Fatalf("Count %d, Connections %d; want 50 over 1", srv.Count(), srv.Connections())
	}
}

func TestSendConcurrentStaysWithinPool(t *testing.T) {
	srv := smtptest.Start(t)
	cfg := baseConfig(srv, &recorder{})
	cfg.PoolSize = 4
	s := newSender(t, cfg, nil)
	const goroutines, total = 8, 50
	ids := make(chan string, total)
	for i := range total {
		ids <- "conc-" + strconv.Itoa(i)
	}
	close(ids)
	var wg sync.WaitGroup
	errs := make(chan error, total)
	for range goroutines {
		wg.Go(func() {
			for id := range ids {
				if err := s.Send(context.Background(), testMessage(id)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Send: %v", err)
	}
	if srv.Count() != total {
		t.Errorf("Count = %d, want %d", srv.Count(), total)
	}
	if c := srv.Connections(); c < 1 || c > cfg.PoolSize {
		t.Errorf("Connections = %d, want 1..%d", c, cfg.PoolSize)
	}
	seen := map[string]bool{}
	for _, m := range srv.Messages() {
		seen[parse(t, m.Data).Header.Get("Message-ID")] = true
	}
	if len(seen) != total {
		t.Errorf("distinct Message-IDs = %d, want %d", len(seen), total)
	}
}

func TestSendClassifiesFailures(t *testing.T) {
	rcpt := classifyRcpt
	tests := []classifyCase{
		{name: "451 on RCPT then success", inject: func(s *smtptest.Server) { s.FailNext(rcpt, 451, 1) },
			sleeps: 1, attempts: 2, delivered: 1},
		{name: "550 on RCPT is permanent, not retried", inject: func(s *smtptest.Server) { s.FailNext(rcpt, 550, 1) },
			wantErr: true, code: 550, reason: "smtp_550", attempts: 1},
		{name: "451 until retries run out", inject: func(s *smtptest.Server) { s.FailNext(rcpt, 451, 10) }, maxRetries: 2,
			wantErr: true, temporary: true, code: 451, sleeps: 2, attempts: 3},
		{name: "452 on DATA then success", inject: func(s *smtptest.Server) { s.FailData(452, 1) },
			sleeps: 1, attempts: 2, delivered: 1},
		{name: "554 on DATA is permanent", inject: func(s *smtptest.Server) { s.FailData(554, 1) },
			wantErr: true, code: 554, reason: "smtp_554", attempts: 1},
		{name: "connection lost in DATA, no retries", inject: func(s *smtptest.Server) { s.DropDuringData(1) }, maxRetries: -1,
			wantErr: true, temporary: true, code: 0, attempts: 1},
		{name: "connection lost in DATA, retried", inject: func(s *smtptest.Server) { s.DropDuringData(1) },
			sleeps: 1, attempts: 2, delivered: 1},
	}
	for _, tt := range tests {
		for _, chunking := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/chunking=%v", tt.name, chunking), func(t *testing.T) {
				classify(t, tt, chunking)
			})
		}
	}
}

// classifyCase is one send of TestSendClassifiesFailures: the fault and
// what it must come to.
type classifyCase struct {
	name       string
	inject     func(*smtptest.Server)
	maxRetries int
	wantErr    bool
	temporary  bool
	code       int
	reason     string
	sleeps     int
	attempts   int // RCPT TO commands the server saw
	delivered  int
}

const classifyRcpt = "ada@example.org"

// classify sends one message to a server with tt's fault, in DATA or
// BDAT, and checks the outcome.
func classify(t *testing.T, tt classifyCase, chunking bool) {
	t.Helper()
	srv := smtptest.Start(t)
	rec := &recorder{}
	cfg := baseConfig(srv, rec)
	cfg.MaxRetries, cfg.Chunking = tt.maxRetries, chunking
	s := newSender(t, cfg, nil)
	tt.inject(srv)
	err := s.Send(context.Background(), testMessage("cls-1"))
	if (err != nil) != tt.wantErr {
		t.Fatalf("Send error = %v, wantErr %v", err, tt.wantErr)
	}
	if err != nil {
		se := sendError(t, err)
		if se.Temporary != tt.temporary || se.Code != tt.code || se.Reason != tt.reason {
			t.Errorf("SendError{Temporary %v, Code %d, Reason %q}, want {%v, %d, %q}",
				se.Temporary, se.Code, se.Reason, tt.temporary, tt.code, tt.reason)
		}
		if digest.IsTemporary(err) != tt.temporary {
			t.Errorf("IsTemporary = %v", !tt.temporary)
		}
	}
	if got := len(rec.Sleeps()); got != tt.sleeps {
		t.Errorf("Sleep called %d times, want %d", got, tt.sleeps)
	}
	if got := srv.Attempts(classifyRcpt); got != tt.attempts {
		t.Errorf("server saw %d RCPT attempts, want %d", got, tt.attempts)
	}
	if got := srv.Count(); got != tt.delivered {
		t.Errorf("delivered %d, want %d", got, tt.delivered)
	}
	for _, m := range srv.Messages() {
		if m.Chunked != chunking {
			t.Errorf("message chunked %v, want %v", m.Chunked, chunking)
		}
	}
}

func TestSendAfterLostConnectionRedials(t *testing.T) {
	srv := smtptest.Start(t)
	rec := &recorder{}
	cfg := baseConfig(srv, rec)
	cfg.MaxRetries = -1
	s := newSender(t, cfg, nil)
	srv.DropDuringData(1)
	if err := s.Send(context.Background(), testMessage("lost-1")); !digest.IsTemporary(err) {
		t.Fatalf("Send over a dropped connection = %v, want temporary", err)
	}
	if err := s.Send(context.Background(), testMessage("lost-2")); err != nil {
		t.Fatalf("Send after the drop: %v", err)
	}
	if srv.Count() != 1 || srv.Connections() != 2 {
		t.Errorf("Count %d, Connections %d; want 1 and 2", srv.Count(), srv.Connections())
	}
}

func TestSendRedialsStaleIdleConnection(t *testing.T) {
	srv := smtptest.Start(t)
	rec := &recorder{}
	s := newSender(t, baseConfig(srv, rec), nil)
	if err := s.Send(context.Background(), testMessage("stale-1")); err != nil {
		t.Fatalf("first Send: %v", err)
	}
	srv.DropConnections() // the server restarts while the connection idles
	if err := s.Send(context.Background(), testMessage("stale-2")); err != nil {
		t.Fatalf("Send on a stale connection: %v", err)
	}
	if len(rec.Sleeps()) != 0 {
		t.Errorf("Sleep called %d times; a stale idle connection should be redialled at once", len(rec.Sleeps()))
	}
	if srv.Count() != 2 || srv.Connections() != 2 {
		t.Errorf("Count %d, Connections %d; want 2 and 2", srv.Count(), srv.Connections())
	}
}

func TestSendWithAuth(t *testing.T) {
	const user, pass = "herald", "s3cr:t/p@ss%"
	tests := []struct {
		name     string
		opts     []smtptest.Option
		tls      email.TLSMode
		password string
		wantErr  bool
	}{
		{"plain text", nil, email.TLSNone, pass, false},
		{"starttls", []smtptest.Option{smtptest.WithStartTLS()}, email.TLSStartTLS, pass, false},
		{"implicit tls", []smtptest.Option{smtptest.WithImplicitTLS()}, email.TLSImplicit, pass, false},
		{"wrong password", nil, email.TLSNone, "wrong-Pa55word", true},
		{"starttls required but not offered", nil, email.TLSStartTLS, pass, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, append(tt.opts, smtptest.WithAuth(user, pass))...)
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			cfg := baseConfig(srv, &recorder{})
			cfg.Username, cfg.Password, cfg.TLS = user, tt.password, tt.tls
			cfg.TLSConfig = srv.ClientTLSConfig()
			cfg.MaxRetries = 1
			s := newSender(t, cfg, logger)
			err := s.Send(context.Background(), testMessage("auth-1"))
			if (err != nil) != tt.wantErr {
				t.Fatalf("Send error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				if se := sendError(t, err); !se.Temporary || se.Reason != "smtp_connect" {
					t.Errorf("SendError = %+v, want temporary smtp_connect (not the reader's fault)", se)
				}
				if strings.Contains(err.Error(), tt.password) {
					t.Errorf("error shows the password: %v", err)
				}
			}
			if strings.Contains(logs.String(), tt.password) {
				t.Errorf("logs show the password:\n%s", logs.String())
			}
			if want := map[bool]int{false: 1, true: 0}[tt.wantErr]; srv.Count() != want {
				t.Errorf("delivered %d, want %d", srv.Count(), want)
			}
		})
	}
}

func TestSendRateLimit(t *testing.T) {
	srv := smtptest.Start(t)
	rec := &recorder{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg := baseConfig(srv, rec)
	cfg.RatePerSecond = 2
	s := newSender(t, cfg, nil)
	for i := range 3 {
		if err := s.Send(context.Background(), testMessage("rate-"+strconv.Itoa(i))); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	got := rec.Sleeps()
	want := []time.Duration{500 * time.Millisecond, 500 * time.Millisecond}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pauses = %v, want %v", got, want)
	}
}

func TestSendStopsWithContext(t *testing.T) {
	srv := smtptest.Start(t)
	s := newSender(t, baseConfig(srv, &recorder{}), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Send(ctx, testMessage("ctx-1"))
	if !digest.IsTemporary(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Send with a cancelled context = %v, want temporary context.Canceled", err)
	}
	if srv.Count() != 0 {
		t.Errorf("delivered %d, want 0", srv.Count())
	}
}

func TestSendAfterClose(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := email.New(baseConfig(srv, &recorder{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), testMessage("close-1")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Send(context.Background(), testMessage("close-2")); !errors.Is(err, email.ErrClosed) {
		t.Fatalf("Send after Close = %v, want ErrClosed", err)
	}
}

func TestCheck(t *testing.T) {
	srv := smtptest.Start(t)
	s := newSender(t, baseConfig(srv, &recorder{}), nil)
	if err := s.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now
	cfg := baseConfig(srv, &recorder{})
	cfg.Port, cfg.Username, cfg.Password = port, "u", "hunter2-secret"
	down := newSender(t, cfg, nil)
	err = down.Check(context.Background())
	prefix := fmt.Sprintf("email: cannot reach SMTP server at 127.0.0.1:%d (tls=none): ", port)
	if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.HasSuffix(err.Error(), "; check HERALD_SMTP_URL") {
		t.Fatalf("Check error = %v, want %q…; check HERALD_SMTP_URL", err, prefix)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Check error shows the password: %v", err)
	}
}

func TestDefaultBackoff(t *testing.T) {
	tests := []struct {
		attempt  int
		min, max time.Duration
	}{
		{0, 750 * time.Millisecond, time.Second},
		{1, 1500 * time.Millisecond, 2 * time.Second},
		{3, 6 * time.Second, 8 * time.Second},
		{5, 22500 * time.Millisecond, 30 * time.Second},
		{60, 22500 * time.Millisecond, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.attempt), func(t *testing.T) {
			for range 100 {
				if d := email.DefaultBackoff(tt.attempt); d < tt.min || d > tt.max {
					t.Fatalf("DefaultBackoff(%d) = %v, want %v..%v", tt.attempt, d, tt.min, tt.max)
				}
			}
		})
	}
}

// BenchmarkSend sends a digest-sized message (40 KB) over the pool to a
// server in the same process, by DATA and by BDAT: both ends' work.
func BenchmarkSend(b *testing.B) {
	for _, chunking := range []bool{false, true} {
		b.Run(map[bool]string{false: "DATA", true: "BDAT"}[chunking], func(b *testing.B) {
			srv := smtptest.Start(b, smtptest.Discard())
			cfg := email.Config{Host: srv.Host(), Port: srv.Port(), TLS: email.TLSNone, From: from, HeloName: "herald.test", Chunking: chunking}
			s, err := email.New(cfg, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			msg := testMessage("bench")
			msg.Email.Text = bytes.Repeat([]byte("A line of a digest about the Bank of Japan and its pledge, wrapped.\n"), 600)
			b.ReportAllocs()
			var n atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				m := *msg
				for pb.Next() {
					m.ID = "bench-" + strconv.FormatInt(n.Add(1), 10)
					if err := s.Send(context.Background(), &m); err != nil {
						b.Error(err)
					}
				}
			})
		})
	}
}
