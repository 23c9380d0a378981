package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/ratelimit"
	"herald/subscribers"
)

// twin starts a second server on the fixture's Redis, prefix and clock, as
// another Herald process would be; its confirmations land in f's list. It
// returns the server and its base URL.
func (f *fixture) twin(tweak ...func(*Deps)) (*Server, string) {
	f.t.Helper()
	d := f.deps(f.t)
	for _, fn := range tweak {
		fn(&d)
	}
	s := New(d)
	srv := httptest.NewServer(s)
	f.t.Cleanup(srv.Close)
	return s, srv.URL
}

// signupAt posts the sign-up form for email to the server at base.
func (f *fixture) signupAt(base, email string, topics ...string) response {
	f.t.Helper()
	csrf := csrfOf(f.t, f.send(f.client, base, "GET", "/signup", "").Body)
	v := url.Values{"csrf": {csrf}, "email": {email}, "topic": topics, "time_zone": {"UTC"}}
	return f.send(f.client, base, http.MethodPost, "/signup", v.Encode(), "Content-Type: application/x-www-form-urlencoded")
}

// limited is a tweak giving a server per-client limits keyed under
// prefix: twins given the same prefix share their counts, as processes do.
func limited(t *testing.T, prefix string, signup, auth ratelimit.Rate) func(*Deps) {
	return func(d *Deps) {
		var err, aerr error
		d.SignupLimit, err = ratelimit.New(d.RDB, prefix, "signup", signup, d.Now)
		d.AuthLimit, aerr = ratelimit.New(d.RDB, prefix, "auth", auth, d.Now)
		if err = errors.Join(err, aerr); err != nil {
			t.Fatal(err)
		}
	}
}

// limitPrefix is a key prefix for one test's limiters.
func limitPrefix(t *testing.T) string {
	return fmt.Sprintf("rl-%s-%d:", t.Name(), time.Now().UnixNano())
}

// clientFrom is an HTTP client whose connections come from ip (a loopback
// address other than 127.0.0.1 is another client to the server).
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func TestSignup(t *testing.T) {
	f := newFixture(t)
	f.putStory("s1", "Japan", "Markets")
	f.addSub(reader("ann", "ann@example.com", "japan"))
	page := f.do("GET", "/signup", "")
	wantPage(t, page, 200, `<label for="email">Email address</label>`, `value="japan"`, `value="markets"`)
	csrf := csrfOf(t, page.Body)
	bad := []struct {
		name   string
		v      url.Values
		anchor string
	}{
		{"bad email", url.Values{"email": {"nope"}, "topic": {"japan"}, "time_zone": {"UTC"}}, `id="email-error"`},
		{"no topics", url.Values{"email": {"x@example.com"}, "time_zone": {"UTC"}}, `id="topics-error"`},
		{"unknown topic", url.Values{"email": {"x@example.com"}, "topic": {"atlantis"}, "time_zone": {"UTC"}}, `id="topics-error"`},
		{"bad zone", url.Values{"email": {"x@example.com"}, "topic": {"japan"}, "time_zone": {"Nowhere"}}, `id="tz-error"`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			before := f.keyCount()
			tc.v.Set("csrf", csrf)
			wantPage(t, f.form("/signup", tc.v), 422, "Nothing was saved", tc.anchor)
			if f.server.drainSignups(t.Context()) != 0 || f.keyCount() != before || len(f.confirmations()) != 0 {
				t.Error("queued, stored or sent something")
			}
		})
	}
	wantPage(t, f.form("/signup", url.Values{"email": {"x@example.com"}, "topic": {"japan"}}), 403, "Form expired")
	ok := url.Values{"csrf": {csrf}, "email": {"new@example.com"}, "topic": {"japan", "markets"}, "time_zone": {"Asia/Seoul"}}
	wantPage(t, f.form("/signup", ok), 200, "Check your inbox", "within 7 days", "signing up again after an hour")
	f.server.drainSignups(t.Context())
	sub, err := f.subs.GetByEmail(context.Background(), "new@example.com")
	if err != nil || sub.Status != subscribers.StatusPending || sub.TimeZone != "Asia/Seoul" || !slices.Equal(sub.Topics, []string{"japan", "markets"}) {
		t.Fatalf("%+v %v", sub, err)
	}
	if c := f.confirmations(); len(c) != 1 || c[0].SubID != sub.ID {
		t.Fatalf("confirmations %+v", c)
	}
	// An active address gets the same page and no email.
	active := url.Values{"csrf": {csrf}, "email": {"ann@example.com"}, "topic": {"markets"}, "time_zone": {"UTC"}}
	wantPage(t, f.form("/signup", active), 200, "Check your inbox")
	f.server.drainSignups(t.Context())
	if c := f.confirmations(); len(c) != 1 {
		t.Errorf("confirmations %+v", c)
	}
	if got := f.getSub("ann"); got.Status != subscribers.StatusActive || !slices.Equal(got.Topics, []string{"japan"}) {
		t.Errorf("ann changed: %+v", got)
	}
	// A suppressed address gets the same page, no email and no subscriber.
	if err := f.subs.Suppress(context.Background(), "gone@example.com", "complaint"); err != nil {
		t.Fatal(err)
	}
	gone := url.Values{"csrf": {csrf}, "email": {"gone@example.com"}, "topic": {"markets"}, "time_zone": {"UTC"}}
	wantPage(t, f.form("/signup", gone), 200, "Check your inbox")
	f.server.drainSignups(t.Context())
	if _, err := f.subs.GetByEmail(t.Context(), "gone@example.com"); !errors.Is(err, subscribers.ErrNotFound) || len(f.confirmations()) != 1 {
		t.Errorf("suppressed signup: %v, confirmations %+v", err, f.confirmations())
	}
}

// The second sign-up for one address within the cooldown sends no email
// and leaves the pending subscriber as it was, also through another
// process; after the cooldown it sends a fresh link.
func TestSignupCooldown(t *testing.T) {
	f := newFixture(t)
	f.putStory("s1", "Japan", "Markets")
	other, otherURL := f.twin()
	wantPage(t, f.signupAt(f.srv.URL, "new@example.com", "japan"), 200, "Check your inbox")
	f.server.drainSignups(t.Context())
	for _, base := range []string{f.srv.URL, otherURL} {
		wantPage(t, f.signupAt(base, "NEW@example.com", "markets"), 200, "Check your inbox")
		f.server.drainSignups(t.Context())
		other.drainSignups(t.Context())
	}
	if c := f.confirmations(); len(c) != 1 {
		t.Fatalf("%d confirmations within the cooldown, want 1", len(c))
	}
	sub, err := f.subs.GetByEmail(t.Context(), "new@example.com")
	if err != nil || !slices.Equal(sub.Topics, []string{"japan"}) {
		t.Fatalf("pending subscriber overwritten within the cooldown: %+v %v", sub, err)
	}
	f.clock.Add(DefaultSignupCooldown)
	wantPage(t, f.signupAt(otherURL, "new@example.com", "markets"), 200, "Check your inbox")
	other.drainSignups(t.Context())
	if c := f.confirmations(); len(c) != 2 || c[1].SubID != sub.ID {
		t.Fatalf("after the cooldown: confirmations %+v", c)
	}
	if sub = f.getSub(sub.ID); !slices.Equal(sub.Topics, []string{"markets"}) {
		t.Errorf("after the cooldown: topics %v", sub.Topics)
	}
}

// A failed confirmation email ends the cooldown: signing up again retries.
func TestSignupFailedEmailRetries(t *testing.T) {
	var fail sync.Mutex
	failing := true
	f := newFixture(t, func(d *Deps) {
		send := d.SendConfirmation
		d.SendConfirmation = func(ctx context.Context, sub *subscribers.Subscriber, u string) error {
			fail.Lock()
			defer fail.Unlock()
			if failing {
				return errors.New("relay down")
			}
			return send(ctx, sub, u)
		}
	})
	f.putStory("s1", "Japan")
	f.signupAt(f.srv.URL, "new@example.com", "japan")
	f.server.drainSignups(t.Context())
	fail.Lock()
	failing = false
	fail.Unlock()
	f.signupAt(f.srv.URL, "new@example.com", "japan")
	f.server.drainSignups(t.Context())
	if c := f.confirmations(); len(c) != 1 {
		t.Errorf("confirmations %+v, want the retry's", c)
	}
}

// A burst of sign-ups from one client is limited across two servers
// sharing one Redis: 429, Retry-After and a page a reader understands;
// another client is not affected; the next window admits again.
func TestSignupRateLimitAcrossServers(t *testing.T) {
	prefix := limitPrefix(t)
	lim := limited(t, prefix, ratelimit.Rate{Limit: 3, Window: time.Hour}, ratelimit.Rate{Limit: 10, Window: time.Hour})
	f := newFixture(t, lim)
	f.putStory("s1", "Japan")
	_, otherURL := f.twin(lim)
	csrf := csrfOf(t, f.do("GET", "/signup", "").Body)
	post := func(c *http.Client, base string, i int) response {
		v := url.Values{"csrf": {csrf}, "email": {fmt.Sprintf("r%d@example.com", i)}, "topic": {"japan"}, "time_zone": {"UTC"}}
		return f.send(c, base, http.MethodPost, "/signup", v.Encode(), "Content-Type: application/x-www-form-urlencoded")
	}
	for i, base := range []string{f.srv.URL, otherURL, f.srv.URL} {
		wantPage(t, post(f.client, base, i), 200, "Check your inbox")
	}
	for i, base := range []string{otherURL, f.srv.URL} {
		r := post(f.client, base, 10+i)
		wantPage(t, r, 429, "Too many sign-ups", "try again in an hour")
		if r.Header.Get("Retry-After") != "3600" {
			t.Errorf("Retry-After %q, want 3600", r.Header.Get("Retry-After"))
		}
	}
	wantPage(t, post(clientFrom("127.0.0.2"), otherURL, 20), 200, "Check your inbox")
	f.clock.Add(time.Hour)
	wantPage(t, post(f.client, otherURL, 30), 200, "Check your inbox")
}

// cmdLog records the Redis commands a client sends while on.
type cmdLog struct {
	mu   sync.Mutex
	on   bool
	cmds []string
}

func (l *cmdLog) record(on bool) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	cmds := l.cmds
	l.on, l.cmds = on, nil
	return cmds
}

func (l *cmdLog) add(cmds ...redis.Cmder) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range cmds {
		if l.on {
			l.cmds = append(l.cmds, fmt.Sprint(c.Args()...))
		}
	}
}

func (l *cmdLog) DialHook(next redis.DialHook) redis.DialHook { return next }
func (l *cmdLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, c redis.Cmder) error { l.add(c); return next(ctx, c) }
}
func (l *cmdLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { l.add(cmds...); return next(ctx, cmds) }
}

// A sign-up takes the same path whatever the address is: the handler sends
// the same Redis commands, none about the address, and queues one job;
// what the address gets is decided by the worker afterwards.
func TestSignupSamePathForEveryAddress(t *testing.T) {
	f := newFixture(t, limited(t, limitPrefix(t), ratelimit.Rate{Limit: 100, Window: time.Hour}, ratelimit.Rate{Limit: 10, Window: time.Hour}))
	f.putStory("s1", "Japan")
	f.addSub(reader("ann", "ann@example.com", "japan"))
	if err := f.subs.Suppress(t.Context(), "gone@example.com", "complaint"); err != nil {
		t.Fatal(err)
	}
	log := &cmdLog{}
	f.rdb.AddHook(log)
	f.signupAt(f.srv.URL, "warm-up@example.com", "japan") // scripts loaded
	f.signupAt(f.srv.URL, "pend@example.com", "japan")
	f.server.drainSignups(t.Context())
	f.clock.Add(DefaultSignupCooldown)

	addresses := []string{"new@example.com", "ann@example.com", "gone@example.com", "pend@example.com"}
	var paths [][]string
	for _, addr := range addresses {
		csrf := csrfOf(t, f.do("GET", "/signup", "").Body)
		queued := len(f.server.signups)
		log.record(true)
		r := f.form("/signup", url.Values{"csrf": {csrf}, "email": {addr}, "topic": {"japan"}, "time_zone": {"UTC"}})
		paths = append(paths, log.record(false))
		wantPage(t, r, 200, "Check your inbox")
		if n := len(f.server.signups) - queued; n != 1 {
			t.Errorf("%s: %d jobs queued, want 1", addr, n)
		}
	}
	for i, p := range paths {
		if !slices.Equal(p, paths[0]) {
			t.Errorf("%s: the handler sent\n%q\nbut for %s\n%q", addresses[i], p, addresses[0], paths[0])
		}
		for _, c := range p {
			if strings.Contains(c, "email:") || strings.Contains(c, "cooldown:") || strings.Contains(c, "example.com") {
				t.Errorf("%s: the handler read the address: %s", addresses[i], c)
			}
		}
	}
	before := len(f.confirmations())
	f.server.drainSignups(t.Context())
	var sent []string
	for _, c := range f.confirmations()[before:] {
		sent = append(sent, f.getSub(c.SubID).Email)
	}
	slices.Sort(sent)
	if !slices.Equal(sent, []string{"new@example.com", "pend@example.com"}) {
		t.Errorf("the worker mailed %v, want the new and the pending address", sent)
	}
}

// The answer does not wait for the email: the worker sends it afterwards,
// and stopping the workers lets a send under way finish.
func TestSignupOffTheRequestPath(t *testing.T) {
	started, release := make(chan string, 8), make(chan struct{})
	f := newFixture(t, func(d *Deps) {
		send := d.SendConfirmation
		d.SendConfirmation = func(ctx context.Context, sub *subscribers.Subscriber, u string) error {
			started <- sub.Email
			<-release
			return send(ctx, sub, u)
		}
	})
	f.putStory("s1", "Japan")
	ctx, stop := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() { f.server.RunSignups(ctx); close(stopped) }()

	answered := make(chan response, 1)
	go func() { answered <- f.signupAt(f.srv.URL, "new@example.com", "japan") }()
	select {
	case r := <-answered:
		wantPage(t, r, 200, "Check your inbox")
	case <-time.After(10 * time.Second): // a bound on a broken run, not a wait for luck
		t.Fatal("the sign-up answer waited for the email")
	}
	if got := <-started; got != "new@example.com" {
		t.Fatalf("worker sent to %q", got)
	}
	stop()
	select {
	case <-stopped:
		t.Fatal("the workers stopped with a send under way")
	default:
	}
	close(release)
	<-stopped
	if c := f.confirmations(); len(c) != 1 {
		t.Errorf("confirmations %+v", c)
	}
}

// A full queue answers 503 with Retry-After; nothing is lost silently.
func TestSignupQueueFull(t *testing.T) {
	f := newFixture(t, func(d *Deps) { d.SignupQueue = 1 })
	f.putStory("s1", "Japan")
	wantPage(t, f.signupAt(f.srv.URL, "a@example.com", "japan"), 200, "Check your inbox")
	r := f.signupAt(f.srv.URL, "b@example.com", "japan")
	wantPage(t, r, 503, "Please try again")
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

// Sign-up is off unless turned on.
func TestSignupOff(t *testing.T) {
	f := newFixture(t, func(d *Deps) { d.Signup = false })
	f.putStory("s1", "Japan")
	wantPage(t, f.do("GET", "/signup", ""), 404, "Sign-up is closed")
	v := url.Values{"email": {"a@example.com"}, "topic": {"japan"}, "time_zone": {"UTC"}}
	wantPage(t, f.form("/signup", v), 404, "Sign-up is closed")
	if n := len(f.server.signups); n != 0 {
		t.Errorf("%d sign-ups queued", n)
	}
}

// The confirmation link lives as long as an unconfirmed sign-up.
func TestSignupLinkLivesAsLongAsTheSignup(t *testing.T) {
	f := newFixture(t, func(d *Deps) { d.SignupExpiry = 48 * time.Hour })
	f.putStory("s1", "Japan")
	wantPage(t, f.signupAt(f.srv.URL, "a@example.com", "japan"), 200, "within 2 days")
	f.server.drainSignups(t.Context())
	link := strings.TrimPrefix(f.confirmations()[0].URL, f.srv.URL)
	f.clock.Add(47 * time.Hour)
	wantPage(t, f.do("GET", link, ""), 200, "Confirm your subscription")
	f.clock.Add(2 * time.Hour)
	wantPage(t, f.do("GET", link, ""), 403, "Link expired")
}
