package postfixtest_test

import (
	"bytes"
	"context"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"herald/internal/postfixtest"
)

func TestSentTakesOffTraceHeaders(t *testing.T) {
	stored := "Return-Path: <a@example.com>\nX-Original-To: x@example.org\nDelivered-To: x@example.org\n" +
		"Received: from [127.0.0.1] (localhost [127.0.0.1])\n\tby relay.test (Postfix) with ESMTP id 1\n\tfor <x@example.org>\n" +
		"Subject: a\n folded\nReceived: kept, below the top\n\nbody\n"
	want := "Subject: a\n folded\nReceived: kept, below the top\n\nbody\n"
	if got := postfixtest.Sent([]byte(stored)); string(got) != want {
		t.Errorf("Sent = %q, want %q", got, want)
	}
}

// A message sent to the instance is stored as sent: headers not
// rewritten, dots unstuffed, under the trace headers.
func TestStoresWhatWasSent(t *testing.T) {
	p := postfixtest.Start(t)
	msg := "From: Herald <digest@news.example>\r\nTo: x@example.org\r\nSubject: hi\r\n" +
		"Message-ID: <1@news.example>\r\nDate: Tue, 08 Dec 2026 01:51:30 +0000\r\n\r\nhello\r\n.a dot\r\n"
	if err := smtp.SendMail(p.Addr(), nil, "digest@news.example", []string{"x@example.org"}, []byte(msg)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := p.WaitFor(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(msg, "\r\n", "\n"); !bytes.Equal(got[0], []byte(want)) {
		t.Errorf("stored %q, want %q", got[0], want)
	}
	if !strings.Contains(p.Log(), "data=1") {
		t.Errorf("log has no session with data=1:\n%s", p.Log())
	}
}
