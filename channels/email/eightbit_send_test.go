package email_test

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"

	"herald/internal/smtptest"
)

// With EightBit, once the server is known to announce 8BITMIME the bodies
// go as they are; the first message, sent before, is quoted-printable.
func TestSendEightBit(t *testing.T) {
	srv := smtptest.Start(t)
	cfg := baseConfig(srv, &recorder{})
	cfg.EightBit = true
	s := newSender(t, cfg, nil)
	msg := testMessage("eight-1")
	for _, id := range []string{"eight-1", "eight-2"} {
		msg.ID = id
		if err := s.Send(context.Background(), msg); err != nil {
			t.Fatalf("Send %s: %v", id, err)
		}
	}
	waitFor(t, srv, 2)
	msgs := srv.Messages()
	if got := encodings(t, msgs[0].Data); got != "quoted-printable,quoted-printable" {
		t.Errorf("first message encodings %s, want quoted-printable (server not known yet)", got)
	}
	if got := encodings(t, msgs[1].Data); got != "8bit,8bit" {
		t.Fatalf("second message encodings %s, want 8bit", got)
	}
	bodies := rawParts(t, msgs[1].Data)
	if want := strings.ReplaceAll(string(msg.Email.Text), "\n", "\r\n"); bodies[0] != want {
		t.Errorf("text part %q, want %q", bodies[0], want)
	}
	if bodies[1] != string(msg.Email.HTML) {
		t.Errorf("html part %q, want %q", bodies[1], msg.Email.HTML)
	}
}

func encodings(t *testing.T, data []byte) string {
	t.Helper()
	var out []string
	walkParts(t, data, func(p *multipart.Part, _ string) {
		out = append(out, p.Header.Get("Content-Transfer-Encoding"))
	})
	return strings.Join(out, ",")
}

func rawParts(t *testing.T, data []byte) []string {
	t.Helper()
	var out []string
	walkParts(t, data, func(_ *multipart.Part, body string) { out = append(out, body) })
	return out
}

func walkParts(t *testing.T, data []byte, fn func(p *multipart.Part, body string)) {
	t.Helper()
	m := parse(t, data)
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		fn(p, string(b))
	}
}
