package email

import (
	"strings"
	"testing"
	"time"

	"herald/digest"
)

// benchDigest is a digest-sized message (12 KB of text, 40 KB of HTML with
// long styled paragraphs and some non-ASCII) and its sender's address.
func benchDigest() (*digest.Message, digest.Address) {
	para := strings.Repeat("Seoul cannot accept the same terms as Japan’s pledge — 日本. ", 12)
	var text, html strings.Builder
	for text.Len() < 12_000 {
		text.WriteString(para[:70] + "\n")
	}
	for html.Len() < 40_000 {
		html.WriteString(`<p style="margin:0 0 12px 0;font-size:16px;line-height:24px;color:#1f1f1f;background-color:#ffffff;">` + para + "</p>\n")
	}
	msg := &digest.Message{ID: "bench-1", Kind: "email", Date: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC),
		To:    digest.Address{Name: "Ana Kim", Email: "ana@example.com"},
		Email: &digest.Rendered{Subject: "Your digest: Japan · 日本", Text: []byte(text.String()), HTML: []byte(html.String())},
		Links: digest.Links{Unsubscribe: "https://herald.example.com/u/tok", Mailto: "mailto:u@news.example.com"}}
	return msg, digest.Address{Name: "Herald", Email: "digest@news.example.com"}
}

// BenchmarkBuildMessage8bit builds a digest-sized message with 8bit
// bodies (Config.EightBit), long HTML lines folded, in a reused buffer.
func BenchmarkBuildMessage8bit(b *testing.B) {
	msg, from := benchDigest()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		var eight bool
		if buf, _, eight, err = appendMessage(buf[:0], msg, from, "news.example.com", form{eightBit: true}); err != nil || !eight {
			b.Fatalf("8bit %v, %v", eight, err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkBuildMessageEnvelope is what Send does to a message before
// it dials: the message's bytes in their DATA form, with its SMTP
// envelope, 8bit (to a server with 8BITMIME) and quoted-printable.
func BenchmarkBuildMessageEnvelope(b *testing.B) {
	msg, from := benchDigest()
	s, err := New(Config{Host: "smtp.example.com", From: from, Hostname: "news.example.com"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, eight := range []bool{true, false} {
		b.Run(map[bool]string{true: "8bit", false: "qp"}[eight], func(b *testing.B) {
			var n int
			b.ReportAllocs()
			for b.Loop() {
				env, err := s.envelope(msg, eight, false)
				if err != nil || env.eightBit != eight {
					b.Fatalf("8bit %v, %v", env.eightBit, err)
				}
				n = len(env.data)
				env.free()
			}
			b.SetBytes(int64(n))
		})
	}
}
