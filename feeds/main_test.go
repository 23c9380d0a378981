package feeds_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"herald/feeds"
	"herald/internal/egress"
	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/stories"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// start is the rig's first instant.
var start = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

// origin serves feed documents and records every request.
type origin struct {
	srv  *httptest.Server
	mu   sync.Mutex
	docs map[string]http.HandlerFunc
	reqs map[string][]http.Header // by path
}

func newOrigin(t *testing.T) *origin {
	o := &origin{docs: map[string]http.HandlerFunc{}, reqs: map[string][]http.Header{}}
	o.srv = httptest.NewServer(http.HandlerFunc(o.serve))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *origin) serve(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.reqs[r.URL.Path] = append(o.reqs[r.URL.Path], r.Header.Clone())
	h := o.docs[r.URL.Path]
	o.mu.Unlock()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h(w, r)
}

// handle sets what path answers.
func (o *origin) handle(path string, h http.HandlerFunc) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.docs[path] = h
}

// document serves body with an ETag and Last-Modified, and a 304 to a
// request that presents them.
func (o *origin) document(path, contentType string, body []byte) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	o.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", "Mon, 30 Nov 2026 08:00:00 GMT")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	})
}

func (o *origin) requests(path string) []http.Header {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]http.Header(nil), o.reqs[path]...)
}

func (o *origin) url(path string) string { return o.srv.URL + path }

// rig is a feed store, a stories store and a poller on one Redis, with
// the origin allow-listed, and a record of the stories ingested as new.
type rig struct {
	t       *testing.T
	clock   *settable.Clock
	feeds   *feeds.Store
	stories *stories.Store
	poller  *feeds.Poller
	origin  *origin

	mu  sync.Mutex
	new []string // stories that were new: the ones instant alerts go for
}

func newRig(t *testing.T) *rig {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	o := newOrigin(t)
	u, _ := url.Parse(o.srv.URL)
	hosts, err := egress.Parse(nil, u.Host, "HERALD_FEED_HOSTS")
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, clock: settable.New(start), origin: o,
		feeds: feeds.NewStore(rdb, prefix), stories: stories.NewStore(rdb, prefix, stories.Options{})}
	r.stories = stories.NewStore(rdb, prefix, stories.Options{Now: r.clock.Now})
	r.poller = r.newPoller(feeds.NewFetcher(hosts, 5*time.Second, 0, "herald-test"))
	return r
}

// newPoller is another poller on the rig's Redis: another process.
func (r *rig) newPoller(f *feeds.Fetcher) *feeds.Poller {
	return &feeds.Poller{Store: r.feeds, Fetch: f, Ingest: r.ingest, Stories: r.stories, Now: r.clock.Now}
}

func (r *rig) ingest(ctx context.Context, st *stories.Story) (bool, error) {
	created, err := r.stories.Put(ctx, st)
	if created {
		r.mu.Lock()
		r.new = append(r.new, st.ID)
		r.mu.Unlock()
	}
	return created, err
}

// takeNew returns the stories ingested as new since the last call.
func (r *rig) takeNew() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.new
	r.new = nil
	return out
}

func (r *rig) add(path string, topics []string, rules ...feeds.Rule) *feeds.Feed {
	r.t.Helper()
	f := &feeds.Feed{URL: r.origin.url(path), Topics: topics, Rules: rules, Interval: 15 * time.Minute}
	if _, err := r.feeds.Add(context.Background(), f); err != nil {
		r.t.Fatal(err)
	}
	return f
}

func (r *rig) pollDue() []feeds.Outcome {
	r.t.Helper()
	out, err := r.poller.PollDue(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

func (r *rig) status(id string) feeds.Status {
	r.t.Helper()
	f, err := r.feeds.Get(context.Background(), id)
	if err != nil {
		r.t.Fatal(err)
	}
	return f.Status
}

func (r *rig) story(identity string) *stories.Story {
	r.t.Helper()
	st, err := r.stories.Get(context.Background(), feeds.StoryID(identity))
	if err != nil {
		r.t.Fatalf("story of %q: %v", identity, err)
	}
	return st
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustHosts(t *testing.T, list string) *egress.Hosts {
	t.Helper()
	h, err := egress.Parse(nil, list, "HERALD_FEED_HOSTS")
	if err != nil {
		t.Fatal(err)
	}
	return h
}
