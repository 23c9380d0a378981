package templates_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"os/exec"
	"testing"
	"time"

	"herald/channels/email"
	"herald/digest"
)

// minSupported is the share of the HTML's features mail clients support,
// by mailpit's html-check (caniemail data), that the richest digest keeps.
const minSupported = 95.0

// TestMailpitHTMLCheck sends the richest example digest, as Herald writes
// it, to a real mailpit over SMTP and asks its html-check how well mail
// clients support the HTML. It is skipped unless mailpit is on PATH, and
// required when HERALD_TEST_REQUIRE_MAILPIT=1.
func TestMailpitHTMLCheck(t *testing.T) {
	bin, err := exec.LookPath("mailpit")
	if err != nil {
		if os.Getenv("HERALD_TEST_REQUIRE_MAILPIT") == "1" {
			t.Fatal("mailpit is not on PATH (go install github.com/axllent/mailpit@v1.33.1)")
		}
		t.Skip("mailpit is not on PATH")
	}
	web, smtpAddr := startMailpit(t, bin)
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
	if err := smtp.SendMail(smtpAddr, nil, "digest@news.example.com", []string{"reader@example.com"}, raw); err != nil {
		t.Fatalf("send to mailpit: %v", err)
	}
	var list struct{ Messages []struct{ ID string } }
	getJSON(t, web+"/api/v1/messages", &list)
	if len(list.Messages) != 1 {
		t.Fatalf("mailpit holds %d messages, want 1", len(list.Messages))
	}
	var check struct {
		Total    struct{ Supported, Partial, Unsupported float64 }
		Warnings []struct{ Title string }
	}
	getJSON(t, web+"/api/v1/message/"+list.Messages[0].ID+"/html-check", &check)
	fmt.Printf("mailpit html-check: %.1f%% supported, %.1f%% partial, %.1f%% unsupported (%d bytes of HTML)\n",
		check.Total.Supported, check.Total.Partial, check.Total.Unsupported, len(r.HTML))
	if check.Total.Supported < minSupported {
		t.Errorf("html-check: %.1f%% supported, want at least %.0f%%; warnings: %+v", check.Total.Supported, minSupported, check.Warnings)
	}
}

// startMailpit runs mailpit on free ports until the test ends and waits
// until its API answers; it returns the API's base URL and the SMTP
// address.
func startMailpit(t *testing.T, bin string) (string, string) {
	t.Helper()
	webAddr, smtpAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(bin, "--listen", webAddr, "--smtp", smtpAddr, "--quiet", "--disable-version-check", "--database", t.TempDir()+"/mailpit.db")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := "http://" + webAddr
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if resp, err := http.Get(base + "/api/v1/info"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, smtpAddr
			}
		}
		select {
		case <-ctx.Done():
			t.Fatal("mailpit did not answer within 30s")
		case <-time.After(50 * time.Millisecond): // polling for readiness, not for a result
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
