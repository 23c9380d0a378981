package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/digest"
	"herald/internal/keyring"
	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/stories"
	"herald/subscribers"
	"herald/templates"
)

func TestMain(m *testing.M) { redistest.Main(m) }

const (
	testToken = "test-api-token-0123456789"
	testStart = "2026-11-28T08:00:00Z"
)

var (
	testSecret = []byte("test-secret-for-signing-links-0123456789")
	testKeys   = keyring.New(testSecret)
)

// recorder is a channel that keeps every message it is given.
type recorder struct {
	mu   sync.Mutex
	msgs []*digest.Message
}

func (r *recorder) Send(_ context.Context, msg *digest.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msg)
	return nil
}

func (r *recorder) sent() []*digest.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*digest.Message(nil), r.msgs...)
}

// testLogger logs to the test's log.
func testLogger(t testing.TB) *slog.Logger { return slog.New(slog.NewTextHandler(testWriter{t}, nil)) }

// testWriter sends log lines to the test's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

// confirmation is one double opt-in email the fixture was asked to send.
type confirmation struct {
	SubID, URL string
}

// fixture is the real handler over a real Redis, with a test clock.
type fixture struct {
	t        *testing.T
	rdb      redis.UniversalClient
	prefix   string
	clock    *settable.Clock
	stories  *stories.Store
	subs     *subscribers.Store
	builder  *digest.Builder
	channel  *recorder
	metrics  *Metrics
	server   *Server
	srv      *httptest.Server
	client   *http.Client
	mu       sync.Mutex
	confirms []confirmation
}

// newFixture starts the server; tweak changes its Deps first.
func newFixture(t *testing.T, tweak ...func(*Deps)) *fixture {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	f := &fixture{t: t, rdb: rdb, prefix: prefix, clock: settable.New(mustTime(t, testStart)), channel: &recorder{}, metrics: NewMetrics()}
	f.stories = stories.NewStore(rdb, prefix, stories.Options{Now: f.clock.Now})
	f.subs = subscribers.NewStore(rdb, prefix, f.clock.Now)
	f.builder = &digest.Builder{Stories: f.stories}
	d := f.deps(t)
	for _, fn := range tweak {
		fn(&d)
	}
	f.server = New(d)
	f.srv = httptest.NewServer(f.server)
	t.Cleanup(f.srv.Close)
	f.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return f
}

func (f *fixture) deps(t *testing.T) Deps {
	tpl, err := templates.Load("", templates.Options{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	composer := &digest.Composer{Renderer: tpl, Links: func(*digest.Digest) digest.Links {
		return digest.Links{Site: "https://news.example.com", Unsubscribe: "https://herald.example.com/u/x", Preferences: "https://herald.example.com/p/x"}
	}}
	channels := map[subscribers.Kind]digest.Channel{
		subscribers.KindEmail: f.metrics.Channel("email", f.channel),
		subscribers.KindSlack: f.metrics.Channel("slack", f.channel),
	}
	return Deps{
		RDB: f.rdb, Stories: f.stories, Subs: f.subs, Secret: testSecret, APIToken: testToken, KeyPrefix: f.prefix,
		Preview: func(ctx context.Context, id string) (*digest.Message, *digest.Digest, error) {
			sub, err := f.subs.Get(ctx, id)
			if err != nil {
				return nil, nil, err
			}
			d, err := f.builder.Build(ctx, sub, f.clock.Now())
			if err != nil {
				return nil, nil, err
			}
			msg, err := composer.Compose(d, f.clock.Now())
			return msg, d, err
		},
		Dispatch: func(ctx context.Context) (digest.Stats, error) {
			r := &digest.Runner{Subscribers: f.subs, Builder: f.builder, Composer: composer, Channels: channels, Now: f.clock.Now}
			return r.RunOnce(ctx)
		},
		SendConfirmation: func(_ context.Context, sub *subscribers.Subscriber, u string) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.confirms = append(f.confirms, confirmation{SubID: sub.ID, URL: u})
			return nil
		},
		Signup:  true,
		Metrics: f.metrics,
		Now:     f.clock.Now,
		Logger:  testLogger(t),
	}
}

func (f *fixture) confirmations() []confirmation {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]confirmation(nil), f.confirms...)
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// response is a finished HTTP exchange.
type response struct {
	Status int
	Header http.Header
	Body   string
}

// do sends a request to the server. hdr is "Name: value" pairs.
func (f *fixture) do(method, path, body string, hdr ...string) response {
	f.t.Helper()
	return f.send(f.client, f.srv.URL, method, path, body, hdr...)
}

// send sends a request through c to the server at base.
func (f *fixture) send(c *http.Client, base, method, path, body string, hdr ...string) response {
	f.t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// api calls the admin API with the right token.
func (f *fixture) api(method, path, body string, hdr ...string) response {
	f.t.Helper()
	return f.do(method, path, body, append([]string{"Authorization: Bearer " + testToken}, hdr...)...)
}

// form posts url-encoded values.
func (f *fixture) form(path string, v url.Values, hdr ...string) response {
	f.t.Helper()
	return f.do(http.MethodPost, path, v.Encode(), append([]string{"Content-Type: application/x-www-form-urlencoded"}, hdr...)...)
}

// decode parses a JSON response body into v.
func decode[T any](t testing.TB, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
	return v
}

// apiErr is the error object of an API answer.
type apiErr struct {
	Error struct{ Code, Message, Field string } `json:"error"`
}

// wantError checks status and error code (and field, when not empty).
func wantError(t testing.TB, r response, status int, code, field string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	e := decode[apiErr](t, r)
	if e.Error.Code != code || e.Error.Field != field {
		t.Fatalf("error %+v, want code %q field %q", e.Error, code, field)
	}
	if e.Error.Message == "" {
		t.Fatal("error without a message")
	}
}

// keyCount counts the Redis keys under the fixture's prefix.
func (f *fixture) keyCount() int {
	f.t.Helper()
	return len(redistest.Keys(f.t, f.rdb, f.prefix+"*"))
}

// storyJSON is a valid story on topics (names).
func storyJSON(id string, topics ...string) string {
	ts := make([]string, len(topics))
	for i, t := range topics {
		ts[i] = fmt.Sprintf(`{"name":%q}`, t)
	}
	return fmt.Sprintf(`{"id":%q,"url":"https://news.example.com/%s","headline":"Headline of %s","summary":"What happened in %s.","topics":[%s],"published_at":"2026-11-28T07:00:00Z"}`,
		id, id, id, id, strings.Join(ts, ","))
}

// putStory ingests a story directly into the store.
func (f *fixture) putStory(id string, topics ...string) {
	f.t.Helper()
	ss, err := stories.Parse(strings.NewReader(storyJSON(id, topics...)))
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.stories.Put(context.Background(), ss[0]); err != nil {
		f.t.Fatal(err)
	}
}

// addSub stores a subscriber.
func (f *fixture) addSub(sub *subscribers.Subscriber) *subscribers.Subscriber {
	f.t.Helper()
	if err := f.subs.Add(context.Background(), sub); err != nil {
		f.t.Fatal(err)
	}
	return sub
}

func (f *fixture) getSub(id string) *subscribers.Subscriber {
	f.t.Helper()
	sub, err := f.subs.Get(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return sub
}

// reader is an active email subscriber following topics.
func reader(id, email string, topics ...string) *subscribers.Subscriber {
	return &subscribers.Subscriber{ID: id, Email: email, TimeZone: "Europe/London", Schedule: "daily 07:00", Topics: topics}
}

// token signs a link token for subscriber id (as stored now: its nonce
// too; just the ID when there is none) valid for a day from the fixture's
// now.
func (f *fixture) token(id, action string) string {
	return f.signed(testKeys, id, action, f.clock.Now().Add(24*time.Hour))
}

// signed is a link token for subscriber id under keys, valid until exp.
func (f *fixture) signed(keys *keyring.Ring, id, action string, exp time.Time) string {
	f.t.Helper()
	sub, err := f.subs.Get(context.Background(), id)
	if errors.Is(err, subscribers.ErrNotFound) {
		sub, err = &subscribers.Subscriber{ID: id}, nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return subscribers.SignToken(keys, sub, action, exp)
}

// isDue reports whether id is in the due set.
func (f *fixture) isDue(id string) bool {
	f.t.Helper()
	at, err := f.subs.DueAt(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return !at.IsZero()
}
