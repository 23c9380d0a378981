package feeds_test

import (
	"bytes"
	"context"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/feeds"
	"herald/stories"
)

func slugs(st *stories.Story) []string {
	var out []string
	for _, t := range st.Topics {
		out = append(out, t.Slug)
	}
	return out
}

// RSS 2.0, Atom 1.0 and JSON Feed documents become stories: identity from
// the GUID (or id), markup reduced to plain paragraphs, topics from the
// feed and its category rules; each new story is notified once.
func TestPollStoresEachFormat(t *testing.T) {
	r := newRig(t)
	r.origin.document("/rss", "application/rss+xml", readFile(t, "rss.xml"))
	r.origin.document("/atom", "application/atom+xml", readFile(t, "atom.xml"))
	r.origin.document("/json", "application/feed+json", readFile(t, "feed.json"))
	r.add("/rss", []string{"South Korea"}, feeds.Rule{Category: "trade", Topic: "Trade policy"})
	r.add("/atom", []string{"Japan"}, feeds.Rule{Category: "Markets", Topic: "Markets"})
	r.add("/json", []string{"China"}, feeds.Rule{Category: "economy", Topic: "Economy"})

	for _, o := range r.pollDue() {
		if o.Error != "" || o.Skipped {
			t.Fatalf("poll %s: %+v", o.URL, o)
		}
	}
	want := []string{feeds.StoryID("wire-1001"), feeds.StoryID("https://wire.example.com/chips"),
		feeds.StoryID("urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"), feeds.StoryID("bn-77")}
	if got := r.takeNew(); !sameSet(got, want) {
		t.Errorf("notified as new %v, want %v", got, want)
	}

	seoul := r.story("wire-1001")
	if seoul.Headline != "Seoul rejects Japan-style terms" || seoul.URL != "https://wire.example.com/seoul-terms" ||
		seoul.Summary != "South Korea says it cannot accept the terms.\n\nTalks go on & on." ||
		!reflect.DeepEqual(slugs(seoul), []string{"south-korea", "trade-policy"}) ||
		!seoul.PublishedAt.Equal(time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("rss story: %+v", seoul)
	}
	yen := r.story("urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a")
	if yen.Headline != "Yen <falls> again" || yen.URL != r.origin.url("/yen-falls") ||
		yen.Summary != "The yen fell to a new low." || yen.Background != "Why\n\nRates stay low.\n\nTraders wait." ||
		!reflect.DeepEqual(slugs(yen), []string{"japan", "markets"}) {
		t.Errorf("atom story: %+v", yen)
	}
	notes := r.story("bn-77")
	if notes.Summary != "Output held steady in November." || !reflect.DeepEqual(slugs(notes), []string{"china", "economy"}) {
		t.Errorf("json story: %+v", notes)
	}
	if chips := r.story("https://wire.example.com/chips"); !reflect.DeepEqual(slugs(chips), []string{"south-korea"}) {
		t.Errorf("an item without a matching category has the feed's topics only: %v", slugs(chips))
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// A second poll sends the validators of the first answer; the 304 is a good
// poll with nothing new, and nothing is ingested.
func TestPollNotModified(t *testing.T) {
	r := newRig(t)
	r.origin.document("/rss", "application/rss+xml", readFile(t, "rss.xml"))
	f := r.add("/rss", []string{"Korea"})
	r.pollDue()
	r.takeNew()
	first := r.status(f.ID)

	r.clock.Add(15 * time.Minute)
	out := r.pollDue()
	if len(out) != 1 || !out[0].NotModified || out[0].New+out[0].Updated != 0 {
		t.Fatalf("second poll: %+v", out)
	}
	reqs := r.origin.requests("/rss")
	if len(reqs) != 2 || reqs[1].Get("If-None-Match") != first.ETag || first.ETag == "" ||
		reqs[1].Get("If-Modified-Since") != "Mon, 30 Nov 2026 08:00:00 GMT" {
		t.Fatalf("conditional headers not sent: %d requests, second %v (etag %q)", len(reqs), reqs[len(reqs)-1], first.ETag)
	}
	if reqs[0].Get("If-None-Match") != "" {
		t.Errorf("the first poll sent If-None-Match %q", reqs[0].Get("If-None-Match"))
	}
	st := r.status(f.ID)
	if !st.OK() || !st.LastOK.Equal(r.clock.Now()) || !st.NextPoll.Equal(r.clock.Now().Add(15*time.Minute)) || st.ETag != first.ETag {
		t.Errorf("status after 304: %+v", st)
	}
	if n := r.takeNew(); len(n) != 0 {
		t.Errorf("a 304 notified %v", n)
	}
}

// An edited item updates its story and notifies no one, an unchanged one
// is left alone; the same item published again by another feed is the
// same story, not a new alert.
func TestPollEditedItem(t *testing.T) {
	r := newRig(t)
	doc := readFile(t, "rss.xml")
	r.origin.document("/rss", "application/rss+xml", doc)
	r.add("/rss", []string{"Korea"})
	r.pollDue()
	r.takeNew()
	ingested := r.story("wire-1001").IngestedAt

	edited := bytes.Replace(doc, []byte("cannot</em> accept"), []byte("will not</em> accept"), 1)
	r.origin.document("/rss", "application/rss+xml", edited)
	r.clock.Add(15 * time.Minute)
	if out := r.pollDue(); len(out) != 1 || out[0].Updated != 1 || out[0].Unchanged != 1 || out[0].New != 0 {
		t.Fatalf("poll of the edited document: %+v", out)
	}
	got := r.story("wire-1001")
	if !strings.HasPrefix(got.Summary, "South Korea says it will not accept") || !got.IngestedAt.Equal(ingested) {
		t.Errorf("edited story: %q, ingested %v (first %v)", got.Summary, got.IngestedAt, ingested)
	}
	r.origin.document("/mirror", "application/rss+xml", edited)
	r.add("/mirror", []string{"Asia"})
	if out := r.pollDue(); len(out) != 1 || out[0].New != 0 || out[0].Updated != 2 {
		t.Fatalf("poll of a feed re-publishing the items: %+v", out)
	}
	if n := r.takeNew(); len(n) != 0 {
		t.Errorf("an edited or re-published item notified %v", n)
	}
}

// An item without a date keeps the time it was first seen.
func TestPollUndatedItem(t *testing.T) {
	r := newRig(t)
	undated := strings.Replace(string(readFile(t, "rss.xml")), "<pubDate>Sat, 28 Nov 2026 09:00:00 GMT</pubDate>", "", 1)
	r.origin.handle("/rss", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(undated)) }) // no validators: a 200 each time
	r.add("/rss", []string{"Korea"})
	r.pollDue()
	r.clock.Add(15 * time.Minute)
	if out := r.pollDue(); out[0].Unchanged != 2 {
		t.Errorf("second poll: %+v", out)
	}
	if got := r.story("https://wire.example.com/chips").PublishedAt; !got.Equal(start) {
		t.Errorf("undated item published %v, want when first seen %v", got, start)
	}
}

// A 429 with Retry-After defers the next poll past the feed's interval.
func TestPollRetryAfter(t *testing.T) {
	r := newRig(t)
	r.origin.handle("/busy", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	f := r.add("/busy", []string{"Korea"})
	out := r.pollDue()
	st := r.status(f.ID)
	if out[0].Error == "" || !strings.Contains(st.LastError, "429") || !st.NextPoll.Equal(start.Add(time.Hour)) || st.Failures != 1 {
		t.Fatalf("after a 429: %+v, status %+v", out, st)
	}
	r.clock.Add(30 * time.Minute) // past the interval, not past Retry-After
	r.pollDue()
	if n := len(r.origin.requests("/busy")); n != 1 {
		t.Errorf("polled %d times before Retry-After passed", n)
	}
	r.clock.Add(30 * time.Minute)
	r.pollDue()
	if n := len(r.origin.requests("/busy")); n != 2 {
		t.Errorf("polled %d times once Retry-After passed", n)
	}
	if st := r.status(f.ID); !st.ErrorSince.Equal(start) || st.Failures != 2 {
		t.Errorf("a second failure: %+v", st)
	}
}

// Broken feeds each get a clear status and never stop the others.
func TestPollBrokenFeeds(t *testing.T) {
	r := newRig(t)
	r.origin.document("/rss", "application/rss+xml", readFile(t, "rss.xml"))
	r.origin.document("/bad", "application/rss+xml", []byte("<rss><channel><item><title>oops</chan"))
	r.origin.handle("/huge", func(w http.ResponseWriter, _ *http.Request) {
		chunk := bytes.Repeat([]byte(" "), 1<<20)
		for range 50 { // 50 MB, and no Content-Length
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	r.origin.handle("/loop", func(w http.ResponseWriter, req *http.Request) { http.Redirect(w, req, "/loop", http.StatusFound) })
	good := r.add("/rss", []string{"Korea"})
	bad := r.add("/bad", []string{"Korea"})
	huge := r.add("/huge", []string{"Korea"})
	loop := r.add("/loop", []string{"Korea"})
	gone := r.add("/gone", []string{"Korea"})
	r.pollDue()

	want := map[string]string{bad.ID: "not an RSS, Atom or JSON feed", huge.ID: "over 10485760 bytes",
		loop.ID: "more than 5 redirects", gone.ID: "HTTP 404"}
	for id, text := range want {
		if st := r.status(id); !strings.Contains(st.LastError, text) || !st.NextPoll.Equal(start.Add(15*time.Minute)) {
			t.Errorf("feed %s: status %+v, want an error with %q", id, st, text)
		}
	}
	if st := r.status(good.ID); !st.OK() || st.Items != 2 {
		t.Errorf("the good feed: %+v", st)
	}
	if n := len(r.takeNew()); n != 2 {
		t.Errorf("%d stories new, want the good feed's 2", n)
	}
}

// A feed that points at a loopback address is refused at dial time unless
// its host is allow-listed.
func TestPollRefusesInternalAddress(t *testing.T) {
	r := newRig(t)
	r.origin.document("/rss", "application/rss+xml", readFile(t, "rss.xml"))
	f := r.add("/rss", []string{"Korea"})
	r.poller.Fetch = feeds.NewFetcher(mustHosts(t, ""), time.Second, 0, "herald-test")
	r.pollDue()
	if st := r.status(f.ID); !strings.Contains(st.LastError, "loopback") || len(r.origin.requests("/rss")) != 0 {
		t.Errorf("status %+v, %d requests", st, len(r.origin.requests("/rss")))
	}
}

// Two pollers (two processes) on one Redis, polling the same feed at the
// same instants, fetch it once per interval.
func TestTwoPollersFetchOncePerInterval(t *testing.T) {
	r := newRig(t)
	r.origin.document("/rss", "application/rss+xml", readFile(t, "rss.xml"))
	r.add("/rss", []string{"Korea"})
	other := r.newPoller(feeds.NewFetcher(mustHosts(t, strings.TrimPrefix(r.origin.srv.URL, "http://")), time.Second, 0, "herald-test"))
	for range 4 { // four intervals, each polled four times by each poller
		for range 4 {
			var wg sync.WaitGroup
			for _, p := range []*feeds.Poller{r.poller, other} {
				wg.Go(func() {
					if _, err := p.PollDue(context.Background()); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			r.clock.Add(time.Minute)
		}
		r.clock.Add(11 * time.Minute)
	}
	if n := len(r.origin.requests("/rss")); n != 4 {
		t.Errorf("fetched %d times in 4 intervals, want 4", n)
	}
}

// A poller that saw the feed due before another polled it re-reads the
// next poll time under the lease and fetches nothing; a feed whose lease
// another process holds is skipped, even by PollAll.
func TestPollLeaseAndRecheck(t *testing.T) {
	r := newRig(t)
	r.origin.document("/rss", "application/rss+xml", readFile(t, "rss.xml"))
	f := r.add("/rss", []string{"Korea"})
	other := r.newPoller(r.poller.Fetch)
	r.pollDue()
	if o := other.PollFeed(context.Background(), f.ID, false); !o.Skipped || len(r.origin.requests("/rss")) != 1 {
		t.Errorf("a stale view of the feed fetched it again: %+v, %d requests", o, len(r.origin.requests("/rss")))
	}
	if ok, err := r.feeds.Lease(context.Background(), f.ID, "another-process", time.Minute); !ok || err != nil {
		t.Fatal(ok, err)
	}
	out, err := other.PollAll(context.Background())
	if err != nil || len(out) != 1 || !out[0].Skipped || len(r.origin.requests("/rss")) != 1 {
		t.Errorf("a leased feed was polled: %+v %v", out, err)
	}
}

// herald feeds poll polls every feed now, due or not.
func TestPollAllIgnoresNextPoll(t *testing.T) {
	r := newRig(t)
	r.origin.document("/rss", "application/rss+xml", readFile(t, "rss.xml"))
	r.add("/rss", []string{"Korea"})
	for i := range 3 {
		if _, err := r.poller.PollAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(r.origin.requests("/rss")); n != i+1 {
			t.Fatalf("poll %d: %d requests", i+1, n)
		}
	}
}

// Only the first MaxItems items of a document are read.
func TestPollMaxItems(t *testing.T) {
	r := newRig(t)
	r.origin.document("/rss", "application/rss+xml", readFile(t, "rss.xml"))
	f := r.add("/rss", []string{"Korea"})
	r.poller.MaxItems = 1
	if out := r.pollDue(); out[0].New != 1 || r.status(f.ID).Items != 2 {
		t.Errorf("poll: %+v, status %+v", out, r.status(f.ID))
	}
	if n := r.takeNew(); len(n) != 1 || n[0] != feeds.StoryID("wire-1001") {
		t.Errorf("new: %v, want the first item only", n)
	}
}
