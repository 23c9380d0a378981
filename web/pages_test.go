package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/internal/keyring"
	"herald/subscribers"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf returns the CSRF token of a page's form.
func csrfOf(t testing.TB, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in page:\n%s", page)
	}
	return m[1]
}

// wantPage checks a page's status and that it holds every string of want.
func wantPage(t testing.TB, r response, status int, want ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d:\n%s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("content type %q", ct)
	}
	for _, w := range want {
		if !strings.Contains(r.Body, w) {
			t.Errorf("page lacks %q:\n%s", w, r.Body)
		}
	}
}

func TestOneClickUnsubscribe(t *testing.T) {
	f := newFixture(t)
	f.addSub(reader("ann", "ann@example.com", "japan"))
	path := "/u/" + f.token("ann", subscribers.ActionUnsubscribe)

	// A GET (a link scanner, a preview pane) only asks.
	r := f.do("GET", path, "")
	wantPage(t, r, 200, "Unsubscribe?", `method="post" action="`+path+`"`, "ann@example.com", `href="/p/`)
	if got := f.getSub("ann"); got.Status != subscribers.StatusActive || !f.isDue("ann") {
		t.Fatalf("GET unsubscribed: %+v", got)
	}
	// Its preferences link is signed on the fly for the same subscriber.
	prefs := regexp.MustCompile(`href="/p/([^"]+)"`).FindStringSubmatch(r.Body)
	if ref, err := subscribers.VerifyToken(testKeys, prefs[1], subscribers.ActionPreferences, f.clock.Now()); err != nil || !ref.Names(f.getSub("ann")) {
		t.Fatalf("preferences link: %+v %v", ref, err)
	}
	if r := f.do("GET", "/p/"+prefs[1], ""); r.Status != 200 {
		t.Fatalf("preferences page: %d", r.Status)
	}

	// RFC 8058: the mail client POSTs List-Unsubscribe=One-Click, no cookie, no CSRF token.
	r = f.do("POST", path, "List-Unsubscribe=One-Click", "Content-Type: application/x-www-form-urlencoded")
	wantPage(t, r, 200, "You are unsubscribed")
	if got := f.getSub("ann"); got.Status != subscribers.StatusUnsubscribed || f.isDue("ann") {
		t.Fatalf("after one-click POST: %+v, due %v", got, f.isDue("ann"))
	}
	// Again: still 200, still unsubscribed.
	wantPage(t, f.do("POST", path, "List-Unsubscribe=One-Click", "Content-Type: application/x-www-form-urlencoded"), 200, "unsubscribed")
	wantPage(t, f.do("GET", path, ""), 200, "already unsubscribed")
}

func TestBadTokens(t *testing.T) {
	f := newFixture(t)
	f.addSub(reader("ann", "ann@example.com", "japan"))
	f.addSub(reader("bob", "bob@example.com", "japan"))
	good := f.token("ann", subscribers.ActionPreferences)
	payload, mac, _ := strings.Cut(good, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	forged := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), `"ann"`, `"bob"`, 1)))
	if forged == payload {
		t.Fatal("forging failed")
	}
	expired := f.signed(testKeys, "ann", subscribers.ActionPreferences, f.clock.Now().Add(-time.Second))
	otherSecret := f.signed(keyring.New([]byte("another secret")), "ann", subscribers.ActionPreferences, f.clock.Now().Add(time.Hour))
	flip := func(s string) string {
		b := []byte(s)
		b[len(b)-2] ^= 1
		return string(b)
	}
	tests := []struct {
		name, page, token, want string
	}{
		{"tampered mac", "/p/", payload + "." + flip(mac), "Link not valid"},
		{"payload for bob with ann's mac", "/p/", forged + "." + mac, "Link not valid"},
		{"other secret", "/p/", otherSecret, "Link not valid"},
		{"expired", "/p/", expired, "Link expired"},
		{"garbage", "/p/", "garbage", "Link not valid"},
		{"no mac", "/p/", payload, "Link not valid"},
		{"huge", "/p/", strings.Repeat("a", 5000), "Link not valid"},
		{"preferences token on unsubscribe", "/u/", good, "Link not valid"},
		{"preferences token on confirm", "/c/", good, "Link not valid"},
		{"unsubscribe token on preferences", "/p/", f.token("ann", subscribers.ActionUnsubscribe), "Link not valid"},
		{"confirm token on unsubscribe", "/u/", f.token("ann", subscribers.ActionConfirm), "Link not valid"},
		{"expired unsubscribe", "/u/", f.signed(testKeys, "ann", subscribers.ActionUnsubscribe, f.clock.Now()), "Link expired"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.keyCount()
			wantPage(t, f.do("GET", tc.page+tc.token, ""), 403, tc.want)
			wantPage(t, f.form(tc.page+tc.token, url.Values{"List-Unsubscribe": {"One-Click"}, "status": {"paused"}}), 403, tc.want)
			for _, id := range []string{"ann", "bob"} {
				if got := f.getSub(id); got.Status != subscribers.StatusActive {
					t.Errorf("%s changed: %+v", id, got)
				}
			}
			if f.keyCount() != before {
				t.Error("keys changed")
			}
		})
	}
	t.Run("removed subscriber", func(t *testing.T) {
		tok := f.token("gone", subscribers.ActionPreferences)
		wantPage(t, f.do("GET", "/p/"+tok, ""), 404, "no longer exists")
	})
}

// prefsValues is a full preferences form as the page would post it.
func prefsValues(csrf string, topics []string, mod func(url.Values)) url.Values {
	v := url.Values{
		"csrf": {csrf}, "topic": topics, "schedule": {"daily"}, "time": {"07:00"}, "day": {"mon"},
		"time_zone": {"Europe/London"}, "max_stories": {"10"}, "status": {"active"},
	}
	if mod != nil {
		mod(v)
	}
	return v
}

func TestTokenForAFailsOnB(t *testing.T) {
	f := newFixture(t)
	f.putStory("s1", "Japan", "Markets")
	f.addSub(reader("ann", "ann@example.com", "japan"))
	f.addSub(reader("bob", "bob@example.com", "japan"))
	annPath := "/p/" + f.token("ann", subscribers.ActionPreferences)
	bobPath := "/p/" + f.token("bob", subscribers.ActionPreferences)
	annCSRF := csrfOf(t, f.do("GET", annPath, "").Body)

	// Ann's form token does not work on Bob's page.
	r := f.form(bobPath, prefsValues(annCSRF, []string{"markets"}, nil))
	wantPage(t, r, 403, "Form expired")
	if got := f.getSub("bob"); !slices.Equal(got.Topics, []string{"japan"}) {
		t.Fatalf("bob changed: %+v", got)
	}
	// Ann's page changes Ann only.
	if r := f.form(annPath, prefsValues(annCSRF, []string{"markets"}, nil)); r.Status != 303 {
		t.Fatalf("ann save: %d %s", r.Status, r.Body)
	}
	if got := f.getSub("ann"); !slices.Equal(got.Topics, []string{"markets"}) {
		t.Errorf("ann: %+v", got)
	}
	if got := f.getSub("bob"); !slices.Equal(got.Topics, []string{"japan"}) {
		t.Errorf("bob changed: %+v", got)
	}
	// Ann's unsubscribe link on her page names Ann.
	u := regexp.MustCompile(`action="/u/([^"]+)"`).FindStringSubmatch(f.do("GET", annPath, "").Body)
	if ref, err := subscribers.VerifyToken(testKeys, u[1], subscribers.ActionUnsubscribe, f.clock.Now()); !ref.Names(f.getSub("ann")) || err != nil {
		t.Errorf("unsubscribe link names %+v: %v", ref, err)
	}
}

func TestPreferencesCSRF(t *testing.T) {
	f := newFixture(t)
	f.putStory("s1", "Japan", "Markets")
	f.addSub(reader("ann", "ann@example.com", "japan"))
	path := "/p/" + f.token("ann", subscribers.ActionPreferences)
	good := csrfOf(t, f.do("GET", path, "").Body)
	stale := csrfToken(testSecret, prefsSubject("ann"), f.clock.Now().Add(-csrfLifetime-time.Second))
	tests := []struct {
		name, csrf string
		hdr        []string
	}{
		{"missing", "", nil},
		{"wrong", "123.abc", nil},
		{"tampered", good[:len(good)-2] + "xx", nil},
		{"longer expiry", "9999999999." + strings.SplitN(good, ".", 2)[1], nil},
		{"expired", stale, nil},
		{"other form's token", csrfToken(testSecret, confirmSubject("ann"), f.clock.Now()), nil},
		{"cross-site fetch", good, []string{"Sec-Fetch-Site: cross-site"}},
		{"foreign origin", good, []string{"Origin: https://evil.example"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantPage(t, f.form(path, prefsValues(tc.csrf, []string{"markets"}, nil), tc.hdr...), 403, "Form expired")
			if got := f.getSub("ann"); !slices.Equal(got.Topics, []string{"japan"}) {
				t.Fatalf("changed: %+v", got)
			}
		})
	}
	t.Run("same origin", func(t *testing.T) {
		r := f.form(path, prefsValues(good, []string{"markets"}, nil), "Sec-Fetch-Site: same-origin", "Origin: "+f.srv.URL)
		if r.Status != 303 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}

func TestPreferencesSaveShowsInNextDigest(t *testing.T) {
	f := newFixture(t)
	f.addSub(reader("ann", "ann@example.com", "japan"))
	f.clock.Add(time.Minute)
	f.putStory("jp", "Japan")
	f.putStory("mk", "Markets")
	f.putStory("both", "Japan", "Markets")
	path := "/p/" + f.token("ann", subscribers.ActionPreferences)

	page := f.do("GET", path, "")
	wantPage(t, page, 200, "Topics you follow", `value="japan"`, `value="markets"`, `<legend>When to send</legend>`,
		`<label for="time_zone">Time zone</label>`, `value="Europe/London"`, `name="csrf"`)
	r := f.form(path, prefsValues(csrfOf(t, page.Body), []string{"markets"}, func(v url.Values) {
		v.Set("schedule", "weekly")
		v.Set("day", "fri")
		v.Set("time", "18:30")
		v.Set("time_zone", "Asia/Tokyo")
		v.Set("max_stories", "5")
	}))
	if r.Status != 303 || r.Header.Get("Location") != path+"?saved=1" {
		t.Fatalf("save: %d %v %s", r.Status, r.Header, r.Body)
	}
	wantPage(t, f.do("GET", r.Header.Get("Location"), ""), 200, `id="saved"`, "apply from your next digest")

	sub := f.getSub("ann")
	if !slices.Equal(sub.Topics, []string{"markets"}) || sub.TimeZone != "Asia/Tokyo" || sub.Schedule != "weekly fri 18:30" || sub.MaxStories != 5 {
		t.Fatalf("stored %+v", sub)
	}
	// Friday 4 December 2026 18:30 in Tokyo is 09:30 UTC.
	if want := mustTime(t, "2026-12-04T09:30:00Z"); !sub.NextDue.Equal(want) {
		t.Errorf("next due %v, want %v", sub.NextDue, want)
	}
	d, err := f.builder.Build(context.Background(), sub, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range d.Items {
		ids = append(ids, it.Story.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"both", "mk"}) {
		t.Errorf("next digest holds %v, want both and mk (not jp)", ids)
	}
}

func TestPreferencesInvalidInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	f.putStory("s1", "Japan", "Markets")
	f.addSub(reader("ann", "ann@example.com", "japan"))
	f.addSub(&subscribers.Subscriber{ID: "cronny", Email: "cron@example.com", Schedule: "0 18 * * 1-5", Topics: []string{"japan"}})
	path := "/p/" + f.token("ann", subscribers.ActionPreferences)
	tests := []struct {
		name   string
		mod    func(url.Values)
		anchor string // the field the error sits next to
		want   string
	}{
		{"unknown zone", func(v url.Values) { v.Set("time_zone", "Mars/Olympus") }, `id="tz-error"`, "unknown zone"},
		{"empty zone", func(v url.Values) { v.Set("time_zone", "") }, `id="tz-error"`, "Enter a time zone"},
		{"Local zone", func(v url.Values) { v.Set("time_zone", "Local") }, `id="tz-error"`, "Enter a time zone"},
		{"bad time", func(v url.Values) { v.Set("time", "25:00") }, `id="time-error"`, "HH:MM"},
		{"time with words", func(v url.Values) { v.Set("time", "07:00 tomorrow") }, `id="time-error"`, "HH:MM"},
		{"bad day", func(v url.Values) { v.Set("schedule", "weekly"); v.Set("day", "someday") }, `id="day-error"`, "day of the week"},
		{"bad schedule", func(v url.Values) { v.Set("schedule", "hourly") }, `id="schedule-error"`, "Choose daily"},
		{"custom without one", func(v url.Values) { v.Set("schedule", "custom") }, `id="schedule-error"`, "Choose daily"},
		{"unknown topic", func(v url.Values) { v["topic"] = []string{"japan", "atlantis"} }, `id="topics-error"`, "atlantis"},
		{"max stories zero", func(v url.Values) { v.Set("max_stories", "0") }, `id="max-error"`, "from 1 to 100"},
		{"max stories text", func(v url.Values) { v.Set("max_stories", "lots") }, `id="max-error"`, "from 1 to 100"},
		{"status bounced", func(v url.Values) { v.Set("status", "bounced") }, `id="status-error"`, "send or pause"},
		{"status pending", func(v url.Values) { v.Set("status", "pending") }, `id="status-error"`, "send or pause"},
	}
	stored := f.getSub("ann")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.keyCount()
			page := f.do("GET", path, "")
			r := f.form(path, prefsValues(csrfOf(t, page.Body), []string{"markets"}, tc.mod))
			wantPage(t, r, 422, "Nothing was saved", tc.anchor, tc.want, `aria-describedby`)
			if got := f.getSub("ann"); !sameSubscriber(got, stored) {
				t.Errorf("changed: %+v", got)
			}
			if f.keyCount() != before {
				t.Error("keys changed")
			}
			// The form shows what was posted, so the reader can fix it.
			kept := `value="markets" id="topic-2" checked`
			if tc.name == "unknown topic" {
				kept = `value="japan" id="topic-1" checked`
			}
			if !strings.Contains(r.Body, kept) {
				t.Errorf("posted topic not kept ticked:\n%s", r.Body)
			}
		})
	}
	t.Run("custom schedule kept", func(t *testing.T) {
		p := "/p/" + f.token("cronny", subscribers.ActionPreferences)
		page := f.do("GET", p, "")
		wantPage(t, page, 200, "Keep my custom schedule", `id="schedule-custom" checked`, "0 18 * * 1-5")
		r := f.form(p, prefsValues(csrfOf(t, page.Body), []string{"japan"}, func(v url.Values) { v.Set("schedule", "custom") }))
		if r.Status != 303 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if got := f.getSub("cronny"); got.Schedule != "0 18 * * 1-5" {
			t.Errorf("schedule %q", got.Schedule)
		}
	})
}

func TestPreferencesPauseResumeResubscribe(t *testing.T) {
	f := newFixture(t)
	f.putStory("s1", "Japan")
	f.addSub(reader("ann", "ann@example.com", "japan"))
	path := "/p/" + f.token("ann", subscribers.ActionPreferences)
	save := func(status string) {
		t.Helper()
		page := f.do("GET", path, "")
		r := f.form(path, prefsValues(csrfOf(t, page.Body), []string{"japan"}, func(v url.Values) { v.Set("status", status) }))
		if r.Status != 303 {
			t.Fatalf("%s: %d %s", status, r.Status, r.Body)
		}
	}
	save("paused")
	if got := f.getSub("ann"); got.Status != subscribers.StatusPaused || f.isDue("ann") {
		t.Fatalf("paused: %+v", got)
	}
	wantPage(t, f.do("GET", path, ""), 200, "Your digests are paused", `id="status-paused" checked`)
	save("active")
	if got := f.getSub("ann"); got.Status != subscribers.StatusActive || !f.isDue("ann") {
		t.Fatalf("resumed: %+v", got)
	}
	// After unsubscribing, the page offers a way back.
	f.do("POST", "/u/"+f.token("ann", subscribers.ActionUnsubscribe), "List-Unsubscribe=One-Click", "Content-Type: application/x-www-form-urlencoded")
	page := f.do("GET", path, "")
	wantPage(t, page, 200, "You are unsubscribed", `id="status-unsubscribed" checked`)
	if strings.Contains(page.Body, `id="unsubscribe"`) {
		t.Error("unsubscribe button shown to an unsubscribed reader")
	}
	save("active")
	if got := f.getSub("ann"); got.Status != subscribers.StatusActive || !f.isDue("ann") {
		t.Fatalf("resubscribed: %+v", got)
	}
	if sup, err := f.subs.Suppressed(context.Background(), "ann@example.com"); err != nil || sup != nil {
		t.Errorf("suppression not lifted: %+v %v", sup, err)
	}
}

func TestPreferencesResubscribeRefusedAfterBounce(t *testing.T) {
	f := newFixture(t)
	f.putStory("s1", "Japan")
	f.addSub(&subscribers.Subscriber{ID: "bob", Email: "bob@example.com", Status: subscribers.StatusUnsubscribed, Topics: []string{"japan"}})
	if err := f.subs.Suppress(context.Background(), "bob@example.com", "bounced: 550 no such user"); err != nil {
		t.Fatal(err)
	}
	path := "/p/" + f.token("bob", subscribers.ActionPreferences)
	page := f.do("GET", path, "")
	r := f.form(path, prefsValues(csrfOf(t, page.Body), []string{"japan"}, nil))
	wantPage(t, r, 422, "Nothing was saved", `id="status-error"`, "do-not-mail list")
	if got := f.getSub("bob"); got.Status != subscribers.StatusUnsubscribed || f.isDue("bob") {
		t.Errorf("bob changed: %+v", got)
	}
	if sup, _ := f.subs.Suppressed(context.Background(), "bob@example.com"); sup == nil || sup.Reason != "bounced: 550 no such user" {
		t.Errorf("suppression %+v", sup)
	}
}

func TestPreferencesTopicSearch(t *testing.T) {
	f := newFixture(t)
	f.putStory("s1", "Japan", "Markets", "South Korea", "China")
	f.addSub(reader("ann", "ann@example.com", "china"))
	path := "/p/" + f.token("ann", subscribers.ActionPreferences)
	r := f.do("GET", path+"?q=JAP", "")
	wantPage(t, r, 200, `value="JAP"`, `value="japan"`, `value="china"`, "Matching topics", "Show all topics")
	for _, not := range []string{`value="markets"`, `value="south-korea"`} {
		if strings.Contains(r.Body, not) {
			t.Errorf("search shows %s", not)
		}
	}
	wantPage(t, f.do("GET", path+"?q=south+korea", ""), 200, `value="south-korea"`)
	wantPage(t, f.do("GET", path+"?q=zzz", ""), 200, "No other topic matches")
}

func TestDoubleOptIn(t *testing.T) {
	f := newFixture(t)
	r := f.api("POST", "/v1/subscribers", `{"id":"new","email":"new@example.com","topics":["japan"],"confirm":true}`)
	if r.Status != 201 || !strings.Contains(r.Body, `"status":"pending"`) || !strings.Contains(r.Body, `"confirmation_sent":true`) {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	sent := f.confirmations()
	if len(sent) != 1 || sent[0].SubID != "new" || !strings.HasPrefix(sent[0].URL, f.srv.URL+"/c/") {
		t.Fatalf("confirmations %+v", sent)
	}
	// Pending: no claim, however late it gets.
	if f.isDue("new") {
		t.Fatal("pending subscriber in the due set")
	}
	ids, err := f.subs.Claim(context.Background(), f.clock.Now().Add(30*24*time.Hour), 100, time.Minute)
	if err != nil || len(ids) != 0 {
		t.Fatalf("claimed %v %v", ids, err)
	}
	path := strings.TrimPrefix(sent[0].URL, f.srv.URL)
	page := f.do("GET", path, "")
	wantPage(t, page, 200, "Confirm your subscription", `id="confirm"`, "new@example.com")
	if f.getSub("new").Status != subscribers.StatusPending {
		t.Fatal("GET confirmed")
	}
	wantPage(t, f.form(path, url.Values{"csrf": {"nope"}}), 403, "Form expired")
	r = f.form(path, url.Values{"csrf": {csrfOf(t, page.Body)}})
	wantPage(t, r, 200, "You are subscribed", "first digest is due", `href="/p/`)
	if got := f.getSub("new"); got.Status != subscribers.StatusActive || !f.isDue("new") {
		t.Fatalf("after confirm: %+v", got)
	}
	wantPage(t, f.do("GET", path, ""), 200, "Already confirmed")

	t.Run("resend", func(t *testing.T) {
		f.api("POST", "/v1/subscribers", `{"id":"late","email":"late@example.com","confirm":true}`)
		if r := f.api("POST", "/v1/subscribers/late/confirmation", ""); r.Status != 202 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if n := len(f.confirmations()); n != 3 {
			t.Errorf("%d confirmations", n)
		}
		wantError(t, f.api("POST", "/v1/subscribers/new/confirmation", ""), 409, CodeExists, "status")
	})
	t.Run("link expires", func(t *testing.T) {
		link := strings.TrimPrefix(f.confirmations()[1].URL, f.srv.URL)
		f.clock.Add(ConfirmLifetime + time.Second)
		wantPage(t, f.do("GET", link, ""), 403, "Link expired")
		wantPage(t, f.form(link, url.Values{}), 403, "Link expired")
		if f.getSub("late").Status != subscribers.StatusPending {
			t.Error("expired link confirmed")
		}
	})
}

func TestPagesStyleMatchesCSP(t *testing.T) {
	f := newFixture(t)
	f.addSub(reader("ann", "ann@example.com", "japan"))
	r := f.do("GET", "/p/"+f.token("ann", subscribers.ActionPreferences), "")
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(r.Body)
	sum := sha256.Sum256([]byte(m[1]))
	want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, want) {
		t.Errorf("CSP %q lacks %q", csp, want)
	}
	for _, h := range []string{"Referrer-Policy", "X-Frame-Options", "Cache-Control"} {
		if r.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
}

func TestConfirmationEmail(t *testing.T) {
	sub := &subscribers.Subscriber{ID: "x", Email: "x@example.com", Name: `Eve <script>`, Topics: []string{"japan", "markets"}}
	r, err := ConfirmationEmail(sub, "https://herald.example.com/c/TOKEN")
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != ConfirmationSubject || !strings.Contains(string(r.Text), "https://herald.example.com/c/TOKEN") ||
		!strings.Contains(string(r.Text), "japan, markets") || !strings.Contains(string(r.HTML), `href="https://herald.example.com/c/TOKEN"`) {
		t.Errorf("%s\n%s", r.Text, r.HTML)
	}
	if strings.Contains(string(r.HTML), "<script>") || !strings.Contains(string(r.HTML), "Eve &lt;script&gt;") {
		t.Errorf("name not escaped:\n%s", r.HTML)
	}
}
