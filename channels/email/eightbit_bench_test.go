package email

import (
	"strings"
	"testing"
	"time"

	"herald/digest"
)

// BenchmarkBuildMessage8bit builds a digest-sized message with 8bit
// bodies (Config.EightBit), long HTML lines folded, in a reused buffer.
func BenchmarkBuildMessage8bit(b *testing.B) {
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
	from := digest.Address{Name: "Herald", Email: "digest@news.example.com"}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		var eight bool
		if buf, _, eight, err = appendMessage(buf[:0], msg, from, "news.example.com", true); err != nil || !eight {
			b.Fatalf("8bit %v, %v", eight, err)
		}
	}
	b.SetBytes(int64(len(buf)))
}
