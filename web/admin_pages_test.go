package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/digest"
	"herald/subscribers"
)

func TestConsoleSearchSubscribers(t *testing.T) {
	c := newConsole(t)
	ana := reader("r1", "ana@example.com", "japan")
	ana.Name = "Ana Lima & Co"
	c.addSub(ana)
	c.addSub(reader("r2", "bo@example.com", "japan"))
	b := c.signedIn()
	cases := map[string]struct{ q, want, not string }{
		"by address": {"ana@example.com", "/admin/subscribers/r1", "/admin/subscribers/r2"},
		"by ID":      {"r2", "/admin/subscribers/r2", "/admin/subscribers/r1"},
		"by name":    {"lima", "Ana Lima &amp; Co", "/admin/subscribers/r2"},
		"by part":    {"example.com", "/admin/subscribers/r2", "no match"},
		"no match":   {"zed", "No subscriber matches", "/admin/subscribers/r"},
	}
	for name, tc := range cases {
		r := c.get(b, "/admin/subscribers?q="+url.QueryEscape(tc.q))
		if r.Status != 200 || !strings.Contains(r.Body, tc.want) || strings.Contains(r.Body, tc.not) {
			t.Errorf("%s (%q): %d; want %q and not %q in\n%s", name, tc.q, r.Status, tc.want, tc.not, r.Body)
		}
	}
}

func TestConsoleSubscriberPageAndActions(t *testing.T) {
	c := newConsole(t)
	c.addSub(reader("r1", "ana@example.com", "japan", "markets"))
	at := c.clock.Now().Add(-time.Minute)
	if err := c.log.Record(context.Background(), digest.Delivery{SubscriberID: "r1", MessageID: "m1", Channel: "email",
		Result: "sent", Stories: 3, At: at, WindowStart: at.Add(-time.Hour), WindowEnd: at}); err != nil {
		t.Fatal(err)
	}
	b := c.signedIn()
	page := c.get(b, "/admin/subscribers/r1")
	for _, want := range []string{"ana@example.com", "japan, markets", "daily 07:00", "Europe/London", `id="pause"`, "<td>sent</td><td>3</td>"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("subscriber page lacks %q:\n%s", want, page.Body)
		}
	}
	token := csrfOf(t, page.Body)
	for _, step := range []struct {
		action string
		want   subscribers.Status
	}{{"pause", subscribers.StatusPaused}, {"resume", subscribers.StatusActive}, {"unsubscribe", subscribers.StatusUnsubscribed}} {
		r := c.post(b, "/admin/subscribers/r1/"+step.action, url.Values{"csrf": {token}})
		if r.Status != http.StatusSeeOther || c.getSub("r1").Status != step.want {
			t.Fatalf("%s: %d, status %s; want 303, %s", step.action, r.Status, c.getSub("r1").Status, step.want)
		}
	}
	if r := c.post(b, "/admin/subscribers/r1/delete", url.Values{"csrf": {token}}); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.Status)
	}
	if _, err := c.subs.Get(context.Background(), "r1"); err == nil {
		t.Error("subscriber still there after delete")
	}
	if r := c.get(b, "/admin/subscribers/r1"); r.Status != http.StatusNotFound {
		t.Errorf("deleted subscriber's page: %d, want 404", r.Status)
	}
}

func TestConsoleDashboard(t *testing.T) {
	c := newConsole(t)
	c.addSub(reader("r1", "ana@example.com", "japan"))
	now := c.clock.Now()
	for i, d := range []digest.Delivery{
		{Channel: "email", Result: "sent", At: now.Add(-10 * time.Minute)},
		{Channel: "email", Result: "sent", At: now.Add(-3 * time.Hour)},
		{Channel: "email", Result: "permanent", At: now.Add(-5 * time.Minute)},
		{Channel: "slack", Result: "temporary", At: now.Add(-2 * time.Hour)},
	} {
		d.SubscriberID, d.MessageID = "s"+string(rune('a'+i)), "m"
		if err := c.log.Record(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	r := c.get(c.signedIn(), "/admin/")
	for _, want := range []string{
		`<table id="counts-hour"><thead><tr><th>channel</th><th>sent</th><th>empty</th><th>failed</th><th>bounced</th></tr></thead><tbody>
<tr><td>email</td><td>1</td><td>0</td><td>0</td><td>1</td></tr>`,
		`<tr><td>email</td><td>2</td><td>0</td><td>0</td><td>1</td></tr>
<tr><td>slack</td><td>0</td><td>0</td><td>1</td><td>0</td></tr>`,
		"<svg", "redis", "Dependencies: ready",
		`<table id="next"><thead><tr><th>due</th><th>subscriber</th></tr></thead><tbody>
<tr><td>2026-11-29 07:00 UTC</td><td><a href="/admin/subscribers/r1">ana@example.com</a></td></tr>`,
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("dashboard lacks %q:\n%s", want, r.Body)
		}
	}
}

func TestConsoleTopicDescription(t *testing.T) {
	c := newConsole(t)
	c.putStory("s1", "Japan")
	c.addSub(reader("r1", "ana@example.com", "japan"))
	b := c.signedIn()
	page := c.get(b, "/admin/topics")
	if !strings.Contains(page.Body, "1 followers") {
		t.Errorf("topics page lacks the follower count:\n%s", page.Body)
	}
	r := c.post(b, "/admin/topics/japan", url.Values{"csrf": {csrfOf(t, page.Body)}, "description": {"Politics <and> markets"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	tp, err := c.stories.Topic(context.Background(), "japan")
	if err != nil || tp.Description != "Politics <and> markets" || tp.Name != "Japan" {
		t.Fatalf("topic %+v, %v", tp, err)
	}
	if page := c.get(b, "/admin/topics"); !strings.Contains(page.Body, "Politics &lt;and&gt; markets") {
		t.Errorf("saved description not shown escaped:\n%s", page.Body)
	}
}

// With an admin listener, the console is served there and not on the
// public one.
func TestConsoleOnAdminListener(t *testing.T) {
	c := newConsole(t)
	public, admin := httptest.NewServer(c.server.Public()), httptest.NewServer(c.server.Admin())
	t.Cleanup(public.Close)
	t.Cleanup(admin.Close)
	b := c.browser()
	for base, want := range map[string]int{public.URL: 404, admin.URL: 200} {
		for _, path := range []string{"/admin/login", "/admin/../admin/login"} {
			if r := c.send(b, base, "GET", path, ""); r.Status != want && !(r.Status == 307 && want == 200) {
				t.Errorf("%s%s: %d, want %d", base, path, r.Status, want)
			}
		}
	}
	if r := c.send(b, public.URL, "GET", "/admin", ""); r.Status != 404 {
		t.Errorf("public /admin: %d, want 404", r.Status)
	}
}

func TestConsoleDeliveriesFilterAndCSV(t *testing.T) {
	c := newConsole(t)
	c.addSub(reader("r1", "ana@example.com", "japan"))
	now := c.clock.Now()
	for i, d := range []digest.Delivery{
		{SubscriberID: "r1", Channel: "email", Result: "sent", At: now.Add(-3 * time.Hour)},
		{SubscriberID: "r1", Channel: "email", Result: "permanent", Error: "=HYPERLINK(\"x\")", At: now.Add(-time.Hour)},
		{SubscriberID: "t1", Channel: "slack", Result: "sent", At: now.Add(-30 * time.Minute)},
	} {
		d.MessageID = "m" + string(rune('0'+i))
		if err := c.log.Record(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	b := c.signedIn()
	count := func(body string) int { return strings.Count(body, `<tr><td>`) }
	since := now.Add(-2 * time.Hour).UTC().Format(formTime)
	for name, tc := range map[string]struct {
		query string
		want  int
	}{
		"all":                 {"", 3},
		"by channel":          {"channel=slack", 1},
		"by result":           {"result=permanent", 1},
		"by subscriber email": {"subscriber=ana%40example.com", 2},
		"since":               {"since=" + since, 2},
		"until":               {"until=" + since, 1},
	} {
		r := c.get(b, "/admin/deliveries?"+tc.query)
		if r.Status != 200 || count(r.Body) != tc.want {
			t.Errorf("%s: %d, %d rows, want %d\n%s", name, r.Status, count(r.Body), tc.want, r.Body)
		}
	}
	if r := c.get(b, "/admin/deliveries?since=yesterday"); r.Status != 400 || !strings.Contains(r.Body, "since") {
		t.Errorf("bad since: %d %s", r.Status, r.Body)
	}
	r := c.get(b, "/admin/deliveries?channel=email&format=csv")
	lines := strings.Split(strings.TrimSpace(r.Body), "\n")
	if r.Header.Get("Content-Type") != "text/csv; charset=utf-8" || len(lines) != 3 || !strings.Contains(r.Body, `"'=HYPERLINK(""x"")"`) {
		t.Errorf("csv: %s %d lines\n%s", r.Header.Get("Content-Type"), len(lines), r.Body)
	}
}

// Lifting a suppression needs a reason, which is logged with the operator.
func TestConsoleLiftSuppression(t *testing.T) {
	logs := &logBuffer{}
	c := newConsole(t, func(d *Deps) { d.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	c.addSub(reader("r1", "ana@example.com", "japan"))
	if err := c.subs.Suppress(context.Background(), "ana@example.com", "bounced: 550 no such user"); err != nil {
		t.Fatal(err)
	}
	b := c.signedIn()
	page := c.get(b, "/admin/subscribers/r1")
	if !strings.Contains(page.Body, `id="suppressed"`) || !strings.Contains(page.Body, "bounced: 550 no such user") {
		t.Fatalf("no suppression shown:\n%s", page.Body)
	}
	token := csrfOf(t, page.Body)
	if r := c.post(b, "/admin/subscribers/r1/unsuppress", url.Values{"csrf": {token}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "reason") {
		t.Errorf("without a reason: %d, want 400 naming reason", r.Status)
	}
	r := c.post(b, "/admin/subscribers/r1/unsuppress", url.Values{"csrf": {token}, "reason": {"mailbox fixed, confirmed by phone"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("lift: %d %s", r.Status, r.Body)
	}
	if s, _ := c.subs.Suppressed(context.Background(), "ana@example.com"); s != nil {
		t.Errorf("still suppressed: %+v", s)
	}
	if got := logs.String(); !strings.Contains(got, `reason="mailbox fixed, confirmed by phone"`) || !strings.Contains(got, "operator="+testOperator) || strings.Contains(got, "ana@example.com") {
		t.Errorf("log lacks the reason and operator, or holds the address:\n%s", got)
	}
}

type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The preview is the message's own HTML, sandboxed, never framed.
func TestConsolePreview(t *testing.T) {
	c := newConsole(t)
	c.addSub(reader("r1", "ana@example.com", "japan"))
	c.clock.Add(time.Minute)
	c.putStory("s1", "Japan")
	c.clock.Add(time.Minute)
	b := c.signedIn()
	r := c.get(b, "/admin/subscribers/r1/preview")
	if r.Status != 200 || !strings.Contains(r.Body, "Headline of s1") {
		t.Fatalf("preview: %d\n%.500s", r.Status, r.Body)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Security-Policy"), "sandbox;") || r.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("preview headers: %v", r.Header)
	}
	if r := c.get(b, "/admin/subscribers/nobody/preview"); r.Status != 404 {
		t.Errorf("preview of nobody: %d, want 404", r.Status)
	}
	if r := c.get(c.browser(), "/admin/subscribers/r1/preview"); r.Status != http.StatusSeeOther {
		t.Errorf("preview without a session: %d, want 303", r.Status)
	}
}
