package email_test

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"testing"

	"herald/channels/email"
	"herald/digest"
)

func TestSubjectEncoding(t *testing.T) {
	tests := []struct{ name, subject string }{
		{"non-ASCII, folded", "South Korea rejects US investment terms matching Japan's pledge — and 11 more"},
		{"plain ASCII", "Plain ASCII subject that is fairly long and goes on past the fold width of seventy-six"},
		{"encoded-word in a headline", "Evil =?utf-8?q?Bcc=3A_x?= headline"},
		{"CJK", "日本の輸出、3か月連続で増加 — and 2 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := testMessage("subject")
			msg.Email.Subject = tt.subject
			b, err := email.AppendMessage(nil, msg, digest.Address{Email: "a@example.com"}, "example.com")
			if err != nil {
				t.Fatal(err)
			}
			head := string(b[:bytes.Index(b, []byte("\r\n\r\n"))])
			if strings.Contains(head, "Subject:\r\n") || !strings.Contains(head, "Subject: ") {
				t.Errorf("Subject folded with an empty first line:\n%s", head)
			}
			for _, l := range strings.Split(head, "\r\n") {
				if len(l) > 78 {
					t.Errorf("header line of %d characters: %q", len(l), l)
				}
			}
			m, err := mail.ReadMessage(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			raw := m.Header.Get("Subject")
			got, err := new(mime.WordDecoder).DecodeHeader(raw)
			if err != nil || got != tt.subject {
				t.Errorf("Subject decodes to %q (%v), want %q; on the wire %q", got, err, tt.subject, raw)
			}
		})
	}
}
