package email_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"herald/channels/email"
	"herald/digest"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

func TestWriteMessageGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := email.WriteMessage(&buf, testMessage("d-sub-1-20250314"), from, testHost); err != nil {
		t.Fatalf("WriteMessage: %v", err)
	}
	golden := filepath.Join("testdata", "digest.eml")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("WriteMessage differs from %s (run go test -update after checking):\n%s", golden, buf.Bytes())
	}
}

func TestWriteMessageIsStable(t *testing.T) {
	var a, b bytes.Buffer
	msg := testMessage("stable-1")
	for _, w := range []*bytes.Buffer{&a, &b} {
		if err := email.WriteMessage(w, msg, from, testHost); err != nil {
			t.Fatalf("WriteMessage: %v", err)
		}
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two writes of one message differ")
	}
	if !bytes.Contains(a.Bytes(), []byte("\r\n\r\n")) || bytes.Contains(bytes.ReplaceAll(a.Bytes(), []byte("\r\n"), nil), []byte("\n")) {
		t.Error("message lines are not all CRLF-terminated")
	}
}

func TestComposeHeaders(t *testing.T) {
	tests := []struct {
		name    string
		links   digest.Links
		unsub   string
		oneTick bool
	}{
		{"https and mailto", digest.Links{Unsubscribe: "https://n.example/u/1", Mailto: "mailto:u@n.example"},
			"<https://n.example/u/1>, <mailto:u@n.example>", true},
		{"mailto without scheme", digest.Links{Unsubscribe: "https://n.example/u/1", Mailto: "u@n.example"},
			"<https://n.example/u/1>, <mailto:u@n.example>", true},
		{"https only", digest.Links{Unsubscribe: "https://n.example/u/1"}, "<https://n.example/u/1>", true},
		{"http is not one-click", digest.Links{Unsubscribe: "http://127.0.0.1:8080/u/1"}, "<http://127.0.0.1:8080/u/1>", false},
		{"no links", digest.Links{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := testMessage("h-1")
			msg.Links = tt.links
			var buf bytes.Buffer
			if err := email.WriteMessage(&buf, msg, from, testHost); err != nil {
				t.Fatalf("WriteMessage: %v", err)
			}
			h := parse(t, buf.Bytes()).Header
			if got := h.Get("List-Unsubscribe"); got != tt.unsub {
				t.Errorf("List-Unsubscribe = %q, want %q", got, tt.unsub)
			}
			if got := h.Get("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"; got != tt.oneTick {
				t.Errorf("List-Unsubscribe-Post present = %v, want %v", got, tt.oneTick)
			}
			if h.Get("X-Herald-Subscriber") != "sub-1" {
				t.Errorf("extra header lost: %q", h.Get("X-Herald-Subscriber"))
			}
		})
	}
}

func TestComposeRejects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(m *digest.Message, f *digest.Address)
		want   string
	}{
		{"CRLF in Subject", func(m *digest.Message, _ *digest.Address) { m.Email.Subject = "Hi\r\nBcc: x@evil.example" },
			`email: header "Subject": contains CR or LF`},
		{"LF in To name", func(m *digest.Message, _ *digest.Address) { m.To.Name = "Ada\nBcc: x@evil.example" },
			`email: header "To": contains CR or LF`},
		{"CR in To address", func(m *digest.Message, _ *digest.Address) { m.To.Email = "ada@example.org\r" },
			`email: header "To": contains CR or LF`},
		{"CRLF in From name", func(_ *digest.Message, f *digest.Address) { f.Name = "Herald\r\nX: y" },
			`email: header "From": contains CR or LF`},
		{"CRLF in extra header", func(m *digest.Message, _ *digest.Address) { m.Headers["X-Campaign"] = "a\r\nb" },
			`email: header "X-Campaign": contains CR or LF`},
		{"CRLF in unsubscribe link", func(m *digest.Message, _ *digest.Address) { m.Links.Unsubscribe += "\r\nX: y" },
			`email: header "List-Unsubscribe": contains CR or LF`},
		{"CRLF in mailto", func(m *digest.Message, _ *digest.Address) { m.Links.Mailto = "mailto:u@n.example\n" },
			`email: header "List-Unsubscribe": contains CR or LF`},
		{"CRLF in message ID", func(m *digest.Message, _ *digest.Address) { m.ID = "a\r\nb" },
			`email: header "Message-ID": contains CR or LF`},
		{"space in message ID", func(m *digest.Message, _ *digest.Address) { m.ID = "a b" }, `header "Message-ID": invalid part`},
		{"empty message ID", func(m *digest.Message, _ *digest.Address) { m.ID = "" }, `header "Message-ID": invalid part`},
		{"bad To address", func(m *digest.Message, _ *digest.Address) { m.To.Email = "not-an-address" }, `header "To": invalid address`},
		{"no From address", func(_ *digest.Message, f *digest.Address) { f.Email = "" }, `header "From": invalid address`},
		{"reserved extra header", func(m *digest.Message, _ *digest.Address) { m.Headers["bcc"] = "x@evil.example" }, `header "bcc": set by the email channel`},
		{"bad extra header name", func(m *digest.Message, _ *digest.Address) { m.Headers["X Bad:"] = "v" }, `header "X Bad:": invalid header name`},
		{"javascript link", func(m *digest.Message, _ *digest.Address) { m.Links.Unsubscribe = "javascript:alert(1)" }, `header "List-Unsubscribe": link`},
		{"angle bracket in mailto", func(m *digest.Message, _ *digest.Address) { m.Links.Mailto = "mailto:a@b>, <https://evil" }, `header "List-Unsubscribe"`},
		{"no email body", func(m *digest.Message, _ *digest.Address) { m.Email = nil }, "Email is nil"},
		{"zero date", func(m *digest.Message, _ *digest.Address) { m.Date = time.Time{} }, "Date is zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, f := testMessage("r-1"), from
			tt.mutate(msg, &f)
			m, err := email.Compose(msg, f, testHost)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Compose error = %v, want one containing %q", err, tt.want)
			}
			if m != nil {
				t.Error("Compose returned a message with its error")
			}
		})
	}
}
