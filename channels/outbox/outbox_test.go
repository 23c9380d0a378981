package outbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/channels/email"
	"herald/channels/outbox"
	"herald/digest"
	"herald/subscribers"
)

const webhook = "https://hooks.slack.example/services/T000/B000/s3cretWebhookPath"

var from = digest.Address{Name: "Herald", Email: "digest@news.example"}

func emailMessage(id string) *digest.Message {
	return &digest.Message{
		ID:           id,
		SubscriberID: "sub-1",
		Kind:         subscribers.KindEmail,
		Date:         time.Date(2025, 3, 14, 7, 30, 0, 0, time.UTC),
		To:           digest.Address{Name: "Ada", Email: "ada@example.org"},
		Email: &digest.Rendered{
			Subject: "Your digest: 3 stories",
			Text:    []byte("Hello Ada\n"),
			HTML:    []byte("<p>Hello Ada</p>"),
		},
		Links: digest.Links{Unsubscribe: "https://news.example/u/t", Mailto: "mailto:u@news.example"},
	}
}

func slackMessage(id string, dest *digest.SlackDestination) *digest.Message {
	return &digest.Message{
		ID:           id,
		SubscriberID: "team-1",
		Kind:         subscribers.KindSlack,
		Date:         time.Date(2025, 3, 14, 7, 30, 0, 0, time.UTC),
		Slack:        dest,
		Payloads: []json.RawMessage{
			json.RawMessage(`{"text":"Digest 1/2","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*Japan*"}}]}`),
			json.RawMessage(`{"text":"Digest 2/2"}`),
		},
	}
}

func newWriter(t *testing.T) *outbox.Writer {
	t.Helper()
	w, err := outbox.New(filepath.Join(t.TempDir(), "outbox"), from, "")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return w
}

func TestEmailFileIsTheSMTPBytes(t *testing.T) {
	w := newWriter(t)
	msg := emailMessage("d-1")
	if err := w.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	path := filepath.Join(w.Dir(), "sub-1-d-1.eml")
	if got := w.Files(); len(got) != 1 || got[0] != path {
		t.Fatalf("Files = %q, want [%q]", got, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := email.WriteMessage(&want, msg, from, "news.example"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, want.Bytes()) {
		t.Errorf("file bytes differ from email.WriteMessage")
	}
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v", err)
	}
	for header, value := range map[string]string{
		"From":                  `"Herald" <digest@news.example>`,
		"To":                    `"Ada" <ada@example.org>`,
		"Subject":               "Your digest: 3 stories",
		"Message-ID":            "<d-1@news.example>",
		"List-Unsubscribe":      "<https://news.example/u/t>, <mailto:u@news.example>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	} {
		if got := m.Header.Get(header); got != value {
			t.Errorf("%s = %q, want %q", header, got, value)
		}
	}
	if d, err := m.Header.Date(); err != nil || !d.Equal(msg.Date) {
		t.Errorf("Date = %v (%v), want %v", d, err, msg.Date)
	}
}

func TestSlackFile(t *testing.T) {
	tests := []struct {
		name        string
		dest        *digest.SlackDestination
		wantChannel string
		wantWebhook string
	}{
		{"bot token channel", &digest.SlackDestination{Channel: "C0123"}, `"C0123"`, ""},
		{"webhook", &digest.SlackDestination{WebhookURL: webhook}, "", `"configured"`},
		{"no destination", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWriter(t)
			if err := w.Send(context.Background(), slackMessage("s-1", tt.dest)); err != nil {
				t.Fatalf("Send: %v", err)
			}
			data, err := os.ReadFile(filepath.Join(w.Dir(), "team-1-s-1.json"))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, []byte("s3cretWebhookPath")) || bytes.Contains(data, []byte("hooks.slack")) {
				t.Fatalf("file holds the webhook URL:\n%s", data)
			}
			var payloads []map[string]json.RawMessage
			if err := json.Unmarshal(data, &payloads); err != nil {
				t.Fatalf("not a JSON array of objects: %v\n%s", err, data)
			}
			if len(payloads) != 2 {
				t.Fatalf("%d payloads, want 2", len(payloads))
			}
			for i, p := range payloads {
				if string(p["channel"]) != tt.wantChannel || string(p["webhook"]) != tt.wantWebhook {
					t.Errorf("payload %d channel %s webhook %s, want %s %s", i, p["channel"], p["webhook"], tt.wantChannel, tt.wantWebhook)
				}
			}
			if string(payloads[0]["text"]) != `"Digest 1/2"` || len(payloads[0]["blocks"]) == 0 {
				t.Errorf("payload 0 lost its content: %s", data)
			}
		})
	}
}

func TestSendRejects(t *testing.T) {
	tests := []struct {
		name string
		msg  *digest.Message
		want string
	}{
		{"CRLF in subject", func() *digest.Message {
			m := emailMessage("x")
			m.Email.Subject = "a\r\nBcc: evil@example.org"
			return m
		}(), `header "Subject": contains CR or LF`},
		{"unknown kind", func() *digest.Message { m := emailMessage("x"); m.Kind = "pigeon"; return m }(), `Kind "pigeon"`},
		{"no payloads", func() *digest.Message { m := slackMessage("x", nil); m.Payloads = nil; return m }(), "Payloads is empty"},
		{"payload not an object", func() *digest.Message {
			m := slackMessage("x", nil)
			m.Payloads[1] = json.RawMessage(`[1,2]`)
			return m
		}(), "Payloads[1]"},
		{"payload holds the webhook", func() *digest.Message {
			m := slackMessage("x", &digest.SlackDestination{WebhookURL: webhook})
			m.Payloads[0] = json.RawMessage(`{"text":"see ` + webhook + `"}`)
			return m
		}(), "holds the webhook URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWriter(t)
			err := w.Send(context.Background(), tt.msg)
			var se *digest.SendError
			if !errors.As(err, &se) || se.Temporary || se.Reason != "invalid_message" {
				t.Fatalf("Send = %v, want a permanent invalid_message SendError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error shows the webhook URL: %v", err)
			}
			entries, _ := os.ReadDir(w.Dir())
			if len(entries) != 0 || len(w.Files()) != 0 {
				t.Errorf("files written: %v", entries)
			}
		})
	}
}

func TestFileNamesStayInTheFolder(t *testing.T) {
	w := newWriter(t)
	msg := emailMessage("../../etc/passwd")
	msg.SubscriberID = ".."
	if err := w.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	files := w.Files()
	if len(files) != 1 || filepath.Dir(files[0]) != w.Dir() {
		t.Fatalf("Files = %q, want one file directly in %s", files, w.Dir())
	}
	if base := filepath.Base(files[0]); strings.HasPrefix(base, ".") || strings.Contains(base, "/") {
		t.Errorf("file name %q", base)
	}
}

func TestFilesInOrderWithoutRepeats(t *testing.T) {
	w := newWriter(t)
	ctx := context.Background()
	for _, m := range []*digest.Message{emailMessage("a"), slackMessage("b", nil), emailMessage("a")} {
		if err := w.Send(ctx, m); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	want := []string{filepath.Join(w.Dir(), "sub-1-a.eml"), filepath.Join(w.Dir(), "team-1-b.json")}
	if got := w.Files(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Files = %q, want %q", got, want)
	}
	entries, _ := os.ReadDir(w.Dir())
	if len(entries) != 2 {
		t.Errorf("folder holds %d entries (temporary files left?), want 2", len(entries))
	}
}

func TestConcurrentSends(t *testing.T) {
	w := newWriter(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if err := w.Send(context.Background(), emailMessage("c"+string(rune('a'+i)))); err != nil {
				t.Errorf("Send: %v", err)
			}
		})
	}
	wg.Wait()
	if n := len(w.Files()); n != 16 {
		t.Errorf("Files = %d, want 16", n)
	}
}

func TestNew(t *testing.T) {
	if _, err := outbox.New("", from, ""); err == nil || !strings.Contains(err.Error(), "dir is empty") {
		t.Errorf("New(\"\") = %v, want dir is empty", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := outbox.New(filepath.Join(file, "sub"), from, ""); err == nil {
		t.Error("New under a regular file succeeded")
	}
}
