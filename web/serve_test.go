package web

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"herald/internal/redistest"
	"herald/subscribers"
)

// TestServeWiring runs the real `herald serve` (wired by webDeps in
// cmd/herald) against a private Redis with the outbox channel, and walks
// through the API, a double opt-in by email and the metrics.
func TestServeWiring(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs herald")
	}
	tmp := t.TempDir()
	bin := buildHerald(t, tmp)
	rdb, prefix := redistest.Client(t)
	outbox := filepath.Join(tmp, "outbox")
	const token = "wiring-token-0123456789abcdef"
	base := startHerald(t, bin, tmp, map[string]string{
		"HERALD_REDIS_URL":    redistest.URL(t),
		"HERALD_REDIS_PREFIX": prefix,
		"HERALD_SECRET":       "wiring-secret-0123456789abcdef-0123456789",
		"HERALD_API_TOKEN":    token,
		"HERALD_OUTBOX":       outbox,
		"HERALD_SIGNUP":       "true",
	})
	call := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if strings.HasPrefix(path, "/v1/") {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if method == "POST" && !strings.HasPrefix(path, "/v1/") {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	if code, body := call("GET", "/readyz", ""); code != 200 {
		t.Fatalf("readyz %d %s", code, body)
	}
	if code, body := call("POST", "/v1/stories", storyJSON("w1", "Japan")); code != 200 {
		t.Fatalf("ingest %d %s", code, body)
	}
	code, body := call("POST", "/v1/subscribers", `{"id":"optin","email":"optin@example.com","topics":["japan"],"confirm":true}`)
	if code != 201 || !strings.Contains(body, `"confirmation_sent":true`) {
		t.Fatalf("create %d %s", code, body)
	}

	// The confirmation email is in the outbox; its link confirms.
	text := outboxText(t, outbox, "optin")
	link := regexp.MustCompile(regexp.QuoteMeta(base) + `/c/[A-Za-z0-9_.-]+`).FindString(text)
	if link == "" {
		t.Fatalf("no confirmation link in:\n%s", text)
	}
	path := strings.TrimPrefix(link, base)
	code, page := call("GET", path, "")
	if code != 200 || !strings.Contains(page, "Confirm your subscription") {
		t.Fatalf("confirm page %d %s", code, page)
	}
	code, page = call("POST", path, url.Values{"csrf": {csrfOf(t, page)}}.Encode())
	if code != 200 || !strings.Contains(page, "You are subscribed") {
		t.Fatalf("confirm %d %s", code, page)
	}
	sub, err := subscribers.NewStore(rdb, prefix, nil).Get(t.Context(), "optin")
	if err != nil || sub.Status != subscribers.StatusActive || sub.NextDue.IsZero() {
		t.Fatalf("after confirming: %+v %v", sub, err)
	}

	// The sign-up form queues; serve's worker sends the confirmation.
	_, page = call("GET", "/signup", "")
	form := url.Values{"csrf": {csrfOf(t, page)}, "email": {"form@example.com"}, "topic": {"japan"}, "time_zone": {"UTC"}}
	if code, page = call("POST", "/signup", form.Encode()); code != 200 || !strings.Contains(page, "Check your inbox") {
		t.Fatalf("signup %d %s", code, page)
	}
	signed := waitForSubscriber(t, subscribers.NewStore(rdb, prefix, nil), outbox, "form@example.com")
	if text := outboxText(t, outbox, signed.ID); !strings.Contains(text, base+"/c/") {
		t.Errorf("no confirmation link in the sign-up's email:\n%s", text)
	}

	code, body = call("POST", "/v1/dispatch", "")
	var stats map[string]int
	if code != 200 || json.Unmarshal([]byte(body), &stats) != nil {
		t.Fatalf("dispatch %d %s", code, body)
	}
	_, metrics := call("GET", "/metrics", "")
	for _, want := range []string{
		`herald_digests_sent_total{channel="email",result="sent"} 0`,
		`herald_digests_sent_total{channel="slack",result="sent"} 0`,
		`herald_send_seconds_count{channel="email"} 0`,
		`herald_stories_ingested_total{result="created"} 1`,
		"herald_due_backlog 0",
		"herald_redis_up 1",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q:\n%s", want, metrics)
		}
	}
}

// waitForSubscriber waits until serve's sign-up worker has stored the
// address and written its confirmation email (the outbox file is written
// before the worker moves on), for at most 10 s.
func waitForSubscriber(t *testing.T, st *subscribers.Store, outbox, email string) *subscribers.Subscriber {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		sub, err := st.GetByEmail(t.Context(), email)
		if err == nil {
			if files, _ := filepath.Glob(filepath.Join(outbox, sub.ID+"-*.eml")); len(files) > 0 {
				return sub
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no confirmation for %s after 10 s: %v", email, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// outboxText returns the decoded text part of the one .eml file for
// subscriber id in dir.
func outboxText(t *testing.T, dir, id string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, id+"-*.eml"))
	if len(files) != 1 {
		all, _ := os.ReadDir(dir)
		t.Fatalf("want one email for %s in the outbox, found %v (dir holds %v)", id, files, all)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatal(err)
	}
	if subj := msg.Header.Get("Subject"); subj != ConfirmationSubject {
		t.Errorf("subject %q", subj)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("no text/plain part: %v", err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			var r io.Reader = p
			if p.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
				r = quotedprintable.NewReader(p)
			}
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
}
