package templates_test

import (
	"fmt"
	"net/smtp"
	"testing"

	"herald/channels/email"
	"herald/digest"
	"herald/internal/mailpittest"
)

// minSupported is the share of the HTML's features mail clients support,
// by mailpit's html-check (caniemail data), that the richest digest keeps.
const minSupported = 95.0

// TestMailpitHTMLCheck sends the richest example digest, as Herald writes
// it, to a real mailpit over SMTP and asks its html-check how well mail
// clients support the HTML. It is skipped unless mailpit is on PATH, and
// required when HERALD_TEST_REQUIRE_MAILPIT=1.
func TestMailpitHTMLCheck(t *testing.T) {
	mp := mailpittest.Start(t)
	r, err := mustLoad(t, "").RenderEmail(richestDigest(t))
	if err != nil {
		t.Fatal(err)
	}
	msg := &digest.Message{ID: "herald.mailpit-check", Date: fixedNow(), To: digest.Address{Name: "Reader", Email: "reader@example.com"},
		Email: r, Links: digest.Links{Unsubscribe: "https://herald.example.com/u/tok"}}
	raw, err := email.AppendMessage(nil, msg, digest.Address{Name: "Herald", Email: "digest@news.example.com"}, "news.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := smtp.SendMail(mp.SMTPAddr(), nil, "digest@news.example.com", []string{"reader@example.com"}, raw); err != nil {
		t.Fatalf("send to mailpit: %v", err)
	}
	ids := mp.MessageIDs()
	if len(ids) != 1 {
		t.Fatalf("mailpit holds %d messages, want 1", len(ids))
	}
	var check struct {
		Total    struct{ Supported, Partial, Unsupported float64 }
		Warnings []struct{ Title string }
	}
	mp.GetJSON("/api/v1/message/"+ids[0]+"/html-check", &check)
	fmt.Printf("mailpit html-check: %.1f%% supported, %.1f%% partial, %.1f%% unsupported (%d bytes of HTML)\n",
		check.Total.Supported, check.Total.Partial, check.Total.Unsupported, len(r.HTML))
	if check.Total.Supported < minSupported {
		t.Errorf("html-check: %.1f%% supported, want at least %.0f%%; warnings: %+v", check.Total.Supported, minSupported, check.Warnings)
	}
}
