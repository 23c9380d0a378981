package web

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"herald/digest"
	"herald/internal/operators"
	"herald/subscribers"
)

const (
	testOperator = "editor@example.com"
	testPassword = "correct horse battery"
)

// consoleFixture is the fixture with an operator and the delivery log.
type consoleFixture struct {
	*fixture
	ops *operators.Store
	log *digest.RedisLog
}

func newConsole(t *testing.T, tweak ...func(*Deps)) *consoleFixture {
	t.Helper()
	c := &consoleFixture{}
	c.fixture = newFixture(t, append([]func(*Deps){func(d *Deps) {
		c.ops = operators.New(d.RDB, d.KeyPrefix, d.Now)
		c.ops.SetCost(bcrypt.MinCost)
		c.log = digest.NewRedisLog(d.RDB, d.KeyPrefix, 0, 0)
		d.Operators = c.ops
		d.Console = ConsoleDeps{Deliveries: c.log}
	}}, tweak...)...)
	if _, err := c.ops.Add(context.Background(), testOperator, testPassword); err != nil {
		t.Fatal(err)
	}
	return c
}

// browser is a client with its own cookie jar that does not follow redirects.
func (c *consoleFixture) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get fetches path with b.
func (c *consoleFixture) get(b *http.Client, path string) response {
	c.t.Helper()
	return c.send(b, c.srv.URL, http.MethodGet, path, "")
}

// post posts a form with b.
func (c *consoleFixture) post(b *http.Client, path string, v url.Values, hdr ...string) response {
	c.t.Helper()
	return c.send(b, c.srv.URL, http.MethodPost, path, v.Encode(), append([]string{"Content-Type: application/x-www-form-urlencoded"}, hdr...)...)
}

// login signs b in with password and returns the answer to the POST.
func (c *consoleFixture) login(b *http.Client, email, password string) response {
	c.t.Helper()
	page := c.get(b, "/admin/login")
	return c.post(b, "/admin/login", url.Values{"csrf": {csrfOf(c.t, page.Body)}, "email": {email}, "password": {password}})
}

// signedIn is a browser signed in as the test operator.
func (c *consoleFixture) signedIn() *http.Client {
	c.t.Helper()
	b := c.browser()
	if r := c.login(b, testOperator, testPassword); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/admin/" {
		c.t.Fatalf("sign in: %d %s %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	return b
}

func TestConsoleRedirectsWithoutSession(t *testing.T) {
	c := newConsole(t)
	b := c.browser()
	for _, path := range []string{"/admin/", "/admin/subscribers", "/admin/subscribers/x", "/admin/topics"} {
		r := c.get(b, path)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/admin/login" {
			t.Errorf("GET %s: %d to %q, want 303 to /admin/login", path, r.Status, r.Header.Get("Location"))
		}
	}
	if r := c.post(b, "/admin/subscribers/x/pause", url.Values{}); r.Status != http.StatusSeeOther {
		t.Errorf("POST without a session: %d, want 303 to the login", r.Status)
	}
	b.Jar.SetCookies(mustURL(t, c.srv.URL+"/admin/"), []*http.Cookie{{Name: adminCookie, Value: "made-up"}})
	if r := c.get(b, "/admin/"); r.Status != http.StatusSeeOther {
		t.Errorf("made-up session: %d, want 303", r.Status)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestConsoleSessionCookieAndLogout(t *testing.T) {
	c := newConsole(t)
	b := c.browser()
	r := c.login(b, testOperator, testPassword)
	cookie := r.Header.Get("Set-Cookie")
	for _, want := range []string{adminCookie + "=", "Path=/admin", "HttpOnly", "SameSite=Lax", "Max-Age=43200"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("Set-Cookie %q lacks %q", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("Set-Cookie %q is Secure on an http base URL", cookie)
	}
	token := strings.TrimPrefix(strings.Split(cookie, ";")[0], adminCookie+"=")
	key := c.prefix + "operator:session:" + operators.TokenID(token)
	if ttl := c.rdb.TTL(context.Background(), key).Val(); ttl <= 11*time.Hour || ttl > 12*time.Hour {
		t.Errorf("session key %s TTL %v, want 12h", key, ttl)
	}
	dash := c.get(b, "/admin/")
	if dash.Status != 200 || !strings.Contains(dash.Body, "<h1>Dashboard</h1>") {
		t.Fatalf("dashboard: %d %s", dash.Status, dash.Body)
	}
	wantHeaders(t, dash)
	if r := c.post(b, "/admin/logout", url.Values{"csrf": {csrfOf(t, dash.Body)}}); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/admin/login" {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	if n := c.rdb.Exists(context.Background(), key).Val(); n != 0 {
		t.Error("session still in Redis after logout")
	}
	if r := c.get(b, "/admin/"); r.Status != http.StatusSeeOther {
		t.Errorf("after logout: %d, want 303", r.Status)
	}
}

func wantHeaders(t *testing.T, r response) {
	t.Helper()
	csp := r.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "style-src 'sha256-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if r.Header.Get("X-Frame-Options") != "DENY" || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", r.Header)
	}
}

func TestConsoleSecureCookieOnHTTPS(t *testing.T) {
	c := newConsole(t, func(d *Deps) { d.BaseURL = "https://herald.example.com" })
	r := c.login(c.browser(), testOperator, testPassword)
	if !strings.Contains(r.Header.Get("Set-Cookie"), "Secure") {
		t.Errorf("Set-Cookie %q not Secure with an https base URL", r.Header.Get("Set-Cookie"))
	}
}

// Five wrong passwords for one account lock it for the window, even with
// the right password; the window's end opens it again.
func TestConsoleLoginRateLimitPerAccount(t *testing.T) {
	c := newConsole(t)
	b := c.browser()
	for i := range 5 {
		if r := c.login(b, testOperator, "wrong password "+string(rune('a'+i))); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d, want 401", i+1, r.Status)
		}
	}
	r := c.login(b, testOperator, testPassword)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.Contains(r.Body, "Too many failed sign-ins") {
		t.Fatalf("after 5 failures: %d Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
	c.clock.Add(LoginAccountRate.Window)
	if r := c.login(b, testOperator, testPassword); r.Status != http.StatusSeeOther {
		t.Fatalf("after the window: %d, want 303", r.Status)
	}
}

// One client failing on many accounts is stopped too.
func TestConsoleLoginRateLimitPerClient(t *testing.T) {
	c := newConsole(t)
	b := c.browser()
	for i := range LoginClientRate.Limit {
		if r := c.login(b, "nobody"+string(rune('a'+i))+"@example.com", "wrong password"); r.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, r.Status)
		}
	}
	if r := c.login(b, testOperator, testPassword); r.Status != http.StatusTooManyRequests {
		t.Fatalf("after %d failures from one client: %d, want 429", LoginClientRate.Limit, r.Status)
	}
}

func TestConsoleFormsRefused(t *testing.T) {
	c := newConsole(t)
	c.addSub(reader("r1", "ana@example.com", "japan"))
	b := c.signedIn()
	page := c.get(b, "/admin/subscribers/r1")
	token := csrfOf(t, page.Body)
	other := csrfOf(t, c.get(c.signedIn(), "/admin/subscribers/r1").Body)
	cases := map[string]struct {
		form url.Values
		hdr  []string
	}{
		"no token":              {url.Values{}, nil},
		"another session's":     {url.Values{"csrf": {other}}, nil},
		"from another origin":   {url.Values{"csrf": {token}}, []string{"Origin: https://evil.example"}},
		"cross-site fetch meta": {url.Values{"csrf": {token}}, []string{"Sec-Fetch-Site: cross-site"}},
	}
	for name, tc := range cases {
		if r := c.post(b, "/admin/subscribers/r1/pause", tc.form, tc.hdr...); r.Status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, r.Status)
		}
		if st := c.getSub("r1").Status; st != subscribers.StatusActive {
			t.Fatalf("%s: status %s after a refused form", name, st)
		}
	}
	if r := c.post(b, "/admin/subscribers/r1/pause", url.Values{"csrf": {token}}); r.Status != http.StatusSeeOther {
		t.Fatalf("with its token: %d %s", r.Status, r.Body)
	}
	if st := c.getSub("r1").Status; st != subscribers.StatusPaused {
		t.Errorf("status %s, want paused", st)
	}
	if r := c.post(c.browser(), "/admin/login", url.Values{"email": {testOperator}, "password": {testPassword}}); r.Status != http.StatusForbidden {
		t.Errorf("login without its token: %d, want 403", r.Status)
	}
}
