package email_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"herald/channels/email"
	"herald/digest"
	"herald/internal/dnstest"
	"herald/internal/postfixtest"
)

// Postfix, the relay Herald is most often pointed at, stores each message
// as DATA delivers it to go-smtp, whether it went by DATA or as one BDAT
// chunk, quoted-printable or 8bit, dot lines and a 200 KB body included;
// its log shows which way each session sent.
func TestPostfixStoresEveryForm(t *testing.T) {
	msgs := append(dottedMessages([]string{"pf-1", "pf-2", "pf-3"}), bigMessage("pf-big"))
	want := deliveredByDATA(t, msgs)
	for _, chunking := range []bool{false, true} {
		p := postfixtest.Start(t)
		cfg := relayConfig(p.Host, p.Port, &recorder{})
		cfg.EightBit, cfg.Chunking = true, chunking
		sendAll(t, cfg, msgs)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		got, err := p.WaitFor(ctx, len(msgs))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		byID := byMessageID(t, got)
		for i, m := range want {
			lf := bytes.ReplaceAll(m, []byte("\r\n"), []byte("\n"))
			if id := messageID(t, lf); !bytes.Equal(byID[id], lf) {
				t.Errorf("chunking %v: Postfix stored message %d (%s) as\n%s\n--- DATA delivers\n%s", chunking, i, id, byID[id], lf)
			}
		}
		checkSessions(t, p.Log(), chunking, len(msgs))
	}
}

// bigMessage is a dottedMessage with a text of 200 KB in 80-octet lines.
func bigMessage(id string) *digest.Message {
	msg := dottedMessage(id)
	line := strings.Repeat("Stories of the day, one line after another. ", 2)[:79] + "\n"
	msg.Email.Text = append(msg.Email.Text, strings.Repeat(line+"."+line, 1280)...)
	return msg
}

// sendAll sends msgs in turn on one Sender, closed afterwards (so the
// relay logs the session's end).
func sendAll(t *testing.T, cfg email.Config, msgs []*digest.Message) {
	t.Helper()
	s := newSender(t, cfg, nil)
	for _, msg := range msgs {
		if err := s.Send(context.Background(), msg); err != nil {
			t.Fatalf("Send %s: %v", msg.ID, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

var disconnect = regexp.MustCompile(`disconnect from .* ehlo=.*`) // not the readiness probe

// checkSessions: one session sent all n messages, by BDAT when chunking.
func checkSessions(t *testing.T, log string, chunking bool, n int) {
	t.Helper()
	sessions := disconnect.FindAllString(log, -1)
	verb := map[bool]string{false: "data", true: "bdat"}[chunking]
	want := fmt.Sprintf(" mail=%d rcpt=%d %s=%d ", n, n, verb, n)
	if len(sessions) != 1 || !strings.Contains(sessions[0], want) {
		t.Errorf("chunking %v: sessions %q, want one with%s", chunking, sessions, want)
	}
}

func byMessageID(t *testing.T, msgs [][]byte) map[string][]byte {
	t.Helper()
	out := make(map[string][]byte, len(msgs))
	for _, m := range msgs {
		out[messageID(t, m)] = m
	}
	return out
}

func messageID(t *testing.T, msg []byte) string {
	t.Helper()
	return parse(t, msg).Header.Get("Message-Id")
}

// A DKIM signature verifies on the message as Postfix stored it, sent as
// a BDAT chunk as by DATA, its bodies quoted-printable or 8bit.
func TestDKIMSurvivesPostfix(t *testing.T) {
	dns := dnstest.Start(t)
	sig := signer(t, testKeys(t)["ed25519"], dns)
	for _, chunking := range []bool{false, true} {
		p := postfixtest.Start(t)
		cfg := relayConfig(p.Host, p.Port, &recorder{})
		cfg.DKIM, cfg.Chunking, cfg.EightBit, cfg.EightBitSigned = sig, chunking, true, true
		sendAll(t, cfg, []*digest.Message{dottedMessage("dkim-1"), bigMessage("dkim-2")})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		got, err := p.WaitFor(ctx, 2)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got {
			verify(t, bytes.ReplaceAll(m, []byte("\n"), []byte("\r\n")), dns)
		}
		checkSessions(t, p.Log(), chunking, 2)
	}
}
