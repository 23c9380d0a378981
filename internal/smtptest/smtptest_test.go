package smtptest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"herald/internal/smtptest"
)

const body = "Subject: hi\r\n\r\nhello\r\n"

func dial(t *testing.T, srv *smtptest.Server) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestReceivesAndCounts(t *testing.T) {
	srv := smtptest.Start(t)
	c := dial(t, srv)
	for range 2 {
		if err := c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader(body)); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.WaitFor(ctx, 2); err != nil {
		t.Fatalf("WaitFor: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 || srv.Count() != 2 {
		t.Fatalf("got %d messages, Count %d; want 2", len(msgs), srv.Count())
	}
	m := msgs[0]
	if m.From != "a@example.org" || len(m.To) != 1 || m.To[0] != "b@example.org" {
		t.Errorf("envelope = %q -> %q", m.From, m.To)
	}
	if !strings.Contains(string(m.Data), "hello") || m.ReceivedAt.IsZero() {
		t.Errorf("data = %q, received %v", m.Data, m.ReceivedAt)
	}
	if got := srv.Connections(); got != 1 {
		t.Errorf("Connections = %d, want 1", got)
	}
}

func TestWaitForStopsWithContext(t *testing.T) {
	srv := smtptest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := srv.WaitFor(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitFor = %v, want context.Canceled", err)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name   string
		inject func(*smtptest.Server)
		code   int
	}{
		{"rcpt 451", func(s *smtptest.Server) { s.FailNext("B@example.org", 451, 1) }, 451},
		{"rcpt 550", func(s *smtptest.Server) { s.FailNext("b@example.org", 550, 1) }, 550},
		{"data 452", func(s *smtptest.Server) { s.FailData(452, 1) }, 452},
		{"data 554", func(s *smtptest.Server) { s.FailData(554, 1) }, 554},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t)
			tt.inject(srv)
			c := dial(t, srv)
			err := c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader(body))
			if got := smtpCode(err); got != tt.code {
				t.Fatalf("first send: code %d (%v), want %d", got, err, tt.code)
			}
			if err := c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader(body)); err != nil {
				t.Fatalf("second send: %v", err)
			}
			if srv.Count() != 1 {
				t.Errorf("Count = %d, want 1", srv.Count())
			}
			if got := srv.Attempts("b@example.org"); got != 2 {
				t.Errorf("Attempts = %d, want 2", got)
			}
		})
	}
}

func TestDropDuringData(t *testing.T) {
	srv := smtptest.Start(t)
	srv.DropDuringData(1)
	c := dial(t, srv)
	err := c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader(body))
	if err == nil || smtpCode(err) != 0 {
		t.Fatalf("send over dropped connection = %v, want a connection error", err)
	}
	c2 := dial(t, srv)
	if err := c2.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader(body)); err != nil {
		t.Fatalf("send on new connection: %v", err)
	}
	if srv.Count() != 1 || srv.Connections() != 2 {
		t.Errorf("Count %d Connections %d, want 1 and 2", srv.Count(), srv.Connections())
	}
}

func TestDropConnections(t *testing.T) {
	srv := smtptest.Start(t)
	c := dial(t, srv)
	if err := c.Hello("test"); err != nil {
		t.Fatalf("hello: %v", err)
	}
	srv.DropConnections()
	if err := c.Noop(); err == nil {
		t.Fatal("NOOP after DropConnections succeeded")
	}
}

func TestAuth(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithAuth("u", "p@ss"))
	tests := []struct {
		name    string
		auth    sasl.Client
		wantErr bool
	}{
		{"none", nil, true},
		{"wrong password", sasl.NewPlainClient("", "u", "nope"), true},
		{"right password", sasl.NewPlainClient("", "u", "p@ss"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, srv)
			var err error
			if tt.auth != nil {
				err = c.Auth(tt.auth)
			}
			if err == nil {
				err = c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader(body))
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

func TestDiscard(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Discard())
	c := dial(t, srv)
	if err := c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader(body)); err != nil {
		t.Fatalf("send: %v", err)
	}
	if srv.Count() != 1 || len(srv.Messages()) != 0 {
		t.Fatalf("Count %d, kept %d; want 1 and 0", srv.Count(), len(srv.Messages()))
	}
}

func TestTLS(t *testing.T) {
	t.Run("starttls", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithStartTLS())
		c, err := smtp.DialStartTLS(srv.Addr(), srv.ClientTLSConfig())
		if err != nil {
			t.Fatalf("DialStartTLS: %v", err)
		}
		defer c.Close()
		if err := c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader(body)); err != nil {
			t.Fatalf("send: %v", err)
		}
	})
	t.Run("implicit", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithImplicitTLS())
		c, err := smtp.DialTLS(srv.Addr(), srv.ClientTLSConfig())
		if err != nil {
			t.Fatalf("DialTLS: %v", err)
		}
		defer c.Close()
		if err := c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader(body)); err != nil {
			t.Fatalf("send: %v", err)
		}
	})
}

func TestHeadersOnly(t *testing.T) {
	srv := smtptest.Start(t, smtptest.HeadersOnly())
	c := dial(t, srv)
	if err := c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || string(msgs[0].Data) != "Subject: hi\r\n\r\n" || msgs[0].To[0] != "b@example.org" {
		t.Fatalf("messages = %+v, want the header section and envelope only", msgs)
	}
}

// A server closed and started again on the same address: a sink that goes
// down and comes back.
func TestCloseAndRestartOnSameAddr(t *testing.T) {
	first := smtptest.Start(t)
	addr := first.Addr()
	first.Close()
	first.Close() // idempotent
	if c, err := smtp.Dial(addr); err == nil {
		_ = c.Close()
		t.Fatal("dial after Close succeeded")
	}
	second := smtptest.Start(t, smtptest.WithAddr(addr))
	if second.Addr() != addr {
		t.Fatalf("restarted on %s, want %s", second.Addr(), addr)
	}
	c := dial(t, second)
	if err := c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	if second.Count() != 1 {
		t.Fatalf("count = %d, want 1", second.Count())
	}
}

// HideChunking takes CHUNKING out of EHLO's reply while it is set, and
// leaves the other extensions.
func TestHideChunking(t *testing.T) {
	srv := smtptest.Start(t)
	for _, tc := range []struct {
		name string
		hide bool
	}{{"before", false}, {"hidden", true}, {"again", false}} {
		srv.HideChunking(tc.hide)
		c := dial(t, srv)
		if err := c.Hello("test"); err != nil {
			t.Fatalf("%s: hello: %v", tc.name, err)
		}
		if got, _ := c.Extension("CHUNKING"); got == tc.hide {
			t.Errorf("%s: CHUNKING announced %v, hidden %v", tc.name, got, tc.hide)
		}
		for _, ext := range []string{"PIPELINING", "8BITMIME", "SIZE"} {
			if ok, _ := c.Extension(ext); !ok {
				t.Errorf("%s: %s not announced", tc.name, ext)
			}
		}
	}
}
