package email_test

import (
	"bytes"
	"strings"
	"testing"

	"herald/channels/email"
	"herald/digest"
)

// benchMessage is a digest-sized message: 12 KB of text, 40 KB of HTML
// with long styled paragraphs and some non-ASCII, as the templates write.
func benchMessage() *digest.Message {
	msg := testMessage("bench-1")
	para := strings.Repeat("Seoul cannot accept the same terms as Japan’s pledge — 日本. ", 12)
	var text, html strings.Builder
	for text.Len() < 12_000 {
		text.WriteString(para[:70] + "\n")
	}
	for html.Len() < 40_000 {
		html.WriteString(`<p style="margin:0 0 12px 0;font-size:16px;line-height:24px;color:#1f1f1f;background-color:#ffffff;">` + para + "</p>\n")
	}
	msg.Email.Text, msg.Email.HTML = []byte(text.String()), []byte(html.String())
	return msg
}

// BenchmarkBuildMessage builds one message's bytes the way Send does:
// headers by go-mail, quoted-printable bodies written straight into a
// reused buffer.
func BenchmarkBuildMessage(b *testing.B) {
	msg := benchMessage()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = email.AppendMessage(buf[:0], msg, from, testHost); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkBuildMessageGoMail builds the same bytes with go-mail alone
// (Compose, then WriteTo), the way messages were built before.
func BenchmarkBuildMessageGoMail(b *testing.B) {
	msg := benchMessage()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		m, err := email.Compose(msg, from, testHost)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.WriteTo(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

// BenchmarkBuildMessageDKIM builds the message as BenchmarkBuildMessage
// does, then signs it (relaxed/relaxed) and puts the DKIM-Signature in
// front, as Send does with Config.DKIM: the cost signing adds per message,
// by key type.
func BenchmarkBuildMessageDKIM(b *testing.B) {
	for _, alg := range []string{"rsa", "ed25519"} {
		b.Run(alg, func(b *testing.B) {
			d := signer(b, testKeys(b)[alg], nil)
			msg := benchMessage()
			var buf, signed []byte
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = email.AppendMessage(buf[:0], msg, from, testHost); err != nil {
					b.Fatal(err)
				}
				if signed, err = d.AppendSigned(signed[:0], buf); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(signed)))
		})
	}
}
