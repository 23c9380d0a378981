package email_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"herald/channels/email"
	"herald/digest"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		want     email.Config
		redacted string
		wantErr  string
	}{
		{name: "plain with port", raw: "smtp://mailpit:1025?tls=none",
			want:     email.Config{Chunking: true, EightBit: true, Host: "mailpit", Port: 1025, TLS: email.TLSNone},
			redacted: "smtp://mailpit:1025?tls=none"},
		{name: "none defaults to 25", raw: "smtp://mx.example?tls=none",
			want: email.Config{Chunking: true, EightBit: true, Host: "mx.example", Port: 25, TLS: email.TLSNone}},
		{name: "starttls is the default, port 587", raw: "smtp://user:pw@mx.example",
			want:     email.Config{Chunking: true, EightBit: true, Host: "mx.example", Port: 587, TLS: email.TLSStartTLS, Username: "user", Password: "pw"},
			redacted: "smtp://user:xxxxx@mx.example:587?tls=starttls"},
		{name: "tls defaults to 465", raw: "smtp://mx.example?tls=tls",
			want: email.Config{Chunking: true, EightBit: true, Host: "mx.example", Port: 465, TLS: email.TLSImplicit}},
		{name: "smtps means tls", raw: "smtps://u@mx.example",
			want: email.Config{Chunking: true, EightBit: true, Host: "mx.example", Port: 465, TLS: email.TLSImplicit, Username: "u"}},
		{name: "tls value is case-insensitive", raw: "smtp://mx.example?tls=STARTTLS",
			want: email.Config{Chunking: true, EightBit: true, Host: "mx.example", Port: 587, TLS: email.TLSStartTLS}},
		{name: "percent-encoded credentials", raw: "smtp://ap%40i:p%40ss%3Aw%2Fo%25rd%23%3F@mx.example:2525?tls=starttls",
			want:     email.Config{Chunking: true, EightBit: true, Host: "mx.example", Port: 2525, TLS: email.TLSStartTLS, Username: "ap@i", Password: "p@ss:w/o%rd#?"},
			redacted: "smtp://ap%40i:xxxxx@mx.example:2525?tls=starttls"},
		{name: "ipv6 host", raw: "smtp://[::1]:1025?tls=none",
			want: email.Config{Chunking: true, EightBit: true, Host: "::1", Port: 1025, TLS: email.TLSNone}, redacted: "smtp://[::1]:1025?tls=none"},
		{name: "extra parameters", raw: "smtp://mx.example?tls=none&pool=8&rate=2.5&timeout=5s&helo=herald.example",
			want: email.Config{Chunking: true, EightBit: true, Host: "mx.example", Port: 25, TLS: email.TLSNone, PoolSize: 8, RatePerSecond: 2.5,
				Timeout: 5 * time.Second, HeloName: "herald.example"}},
		{name: "8bit=auto is the default", raw: "smtp://mx.example?8bit=auto",
			want: email.Config{Chunking: true, Host: "mx.example", Port: 587, TLS: email.TLSStartTLS, EightBit: true}},
		{name: "8bit=true for signed messages too", raw: "smtp://mx.example?8bit=true",
			want: email.Config{Chunking: true, Host: "mx.example", Port: 587, TLS: email.TLSStartTLS, EightBit: true, EightBitSigned: true}},
		{name: "8bit=false", raw: "smtp://mx.example?8bit=false",
			want: email.Config{Chunking: true, Host: "mx.example", Port: 587, TLS: email.TLSStartTLS}},
		{name: "bad 8bit", raw: "smtp://mx.example?8bit=maybe", wantErr: `8bit="maybe": want auto, true or false`},
		{name: "chunking=false", raw: "smtp://mx.example?chunking=false",
			want: email.Config{Host: "mx.example", Port: 587, TLS: email.TLSStartTLS, EightBit: true}},
		{name: "bad chunking", raw: "smtp://mx.example?chunking=maybe", wantErr: `chunking="maybe": invalid syntax`},
		{name: "bad tls value", raw: "smtp://u:secret@mx.example?tls=ssl", wantErr: `tls="ssl"`},
		{name: "smtps with tls=none", raw: "smtps://mx.example?tls=none", wantErr: `tls="none"`},
		{name: "bad scheme", raw: "http://mx.example", wantErr: `scheme "http"`},
		{name: "no host", raw: "smtp://u:secret@:25", wantErr: "host is empty"},
		{name: "bad port", raw: "smtp://u:secret@mx.example:99999", wantErr: `port "99999"`},
		{name: "non-numeric port", raw: "smtp://u:secret@mx.example:abc", wantErr: "email: SMTP URL"},
		{name: "unknown parameter", raw: "smtp://u:secret@mx.example?tsl=none", wantErr: `unknown parameter "tsl"`},
		{name: "bad pool", raw: "smtp://mx.example?pool=many", wantErr: `pool="many"`},
		{name: "control character", raw: "smtp://u:secret@mx.example\n", wantErr: "email: SMTP URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := email.ParseURL(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseURL error = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURL: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseURL = %+v, want %+v", got, tt.want)
			}
			if tt.redacted != "" && got.Redacted() != tt.redacted {
				t.Errorf("Redacted = %q, want %q", got.Redacted(), tt.redacted)
			}
			if got.Password != "" && strings.Contains(got.Redacted(), got.Password) {
				t.Errorf("Redacted %q shows the password", got.Redacted())
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	good := email.Config{Host: "mx.example", TLS: email.TLSNone, From: digest.Address{Email: "d@news.example"}}
	tests := []struct {
		name   string
		mutate func(*email.Config)
		want   string
	}{
		{"no host", func(c *email.Config) { c.Host = "" }, "field Host: empty"},
		{"bad port", func(c *email.Config) { c.Port = 70000 }, "field Port: 70000"},
		{"bad tls", func(c *email.Config) { c.TLS = "ssl" }, `field TLS: "ssl"`},
		{"password without user", func(c *email.Config) { c.Password = "secret" }, "field Username: empty"},
		{"negative pool", func(c *email.Config) { c.PoolSize = -1 }, "field PoolSize: -1"},
		{"negative rate", func(c *email.Config) { c.RatePerSecond = -1 }, "field RatePerSecond: -1"},
		{"negative timeout", func(c *email.Config) { c.Timeout = -time.Second }, "field Timeout: -1s"},
		{"no from", func(c *email.Config) { c.From = digest.Address{} }, `header "From": invalid address`},
		{"CRLF in from name", func(c *email.Config) { c.From.Name = "a\r\nb" }, `header "From": contains CR or LF`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mutate(&cfg)
			_, err := email.New(cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "email: config: ") {
				t.Fatalf("New error = %v, want email: config: …%s…", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
	if _, err := email.New(good, nil); err != nil {
		t.Fatalf("New(good): %v", err)
	}
}
