package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"herald/stories"
)

// seedTopic stores n stories on "japan", one a minute, the last with a
// headline that is markup; the registry gets a description.
func seedTopic(t *testing.T, f *fixture, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		st := &stories.Story{ID: fmt.Sprintf("s%02d", i), URL: fmt.Sprintf("https://news.example.com/stories/s%02d", i),
			Headline: fmt.Sprintf("Story %02d", i), Summary: "First paragraph.\n\nSecond & last.",
			Topics: []stories.Topic{{Name: "Japan"}}, PublishedAt: f.clock.Now()}
		if i == n-1 {
			st.Headline = `<script>alert("x")</script> & more`
		}
		if _, err := f.stories.Put(ctx, st); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Minute)
	}
	if err := f.stories.SetTopic(ctx, stories.Topic{Slug: "japan", Name: "Japan", Description: "Politics <and> markets"}); err != nil {
		t.Fatal(err)
	}
}

// /t/{slug}: the topic's description, its newest stories first, escaped,
// paged, a follow form posting to /signup, and the Atom feed's link.
func TestTopicPage(t *testing.T) {
	f := newFixture(t)
	seedTopic(t, f, TopicPageSize+5)
	r := f.do("GET", "/t/japan", "")
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	for _, want := range []string{"<h1>Japan</h1>", "Politics &lt;and&gt; markets", "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more",
		`<p>Second &amp; last.</p>`, `href="/t/japan/feed.atom"`, `action="/signup"`, `name="topic" value="japan"`, `href="/t/japan?page=2" rel="next"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "<script>") || strings.Count(r.Body, `<article class="story">`) != TopicPageSize ||
		strings.Index(r.Body, "Story 23") > strings.Index(r.Body, "Story 05") || strings.Contains(r.Body, "Story 04") {
		t.Errorf("page 1 is not the %d newest stories, newest first, escaped:\n%s", TopicPageSize, r.Body)
	}
	p2 := f.do("GET", "/t/japan?page=2", "")
	if strings.Count(p2.Body, `<article class="story">`) != 5 || !strings.Contains(p2.Body, `href="/t/japan" rel="prev"`) ||
		strings.Contains(p2.Body, `rel="next"`) || !strings.Contains(p2.Body, "Story 00") {
		t.Errorf("page 2:\n%s", p2.Body)
	}
	for _, path := range []string{"/t/nope", "/t/Japan", "/t/japan?page=0", "/t/japan?page=x", "/t/nope/feed.atom"} {
		if r := f.do("GET", path, ""); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d", path, r.Status)
		}
	}
}

// The follow form on a topic page is a working sign-up for that topic.
func TestTopicPageFollowForm(t *testing.T) {
	f := newFixture(t)
	seedTopic(t, f, 1)
	page := f.do("GET", "/t/japan", "")
	csrf := between(page.Body, `name="csrf" value="`, `"`)
	r := f.form("/signup", url.Values{"csrf": {csrf}, "email": {"reader@example.com"}, "topic": {"japan"}, "time_zone": {"UTC"}})
	if r.Status != http.StatusOK {
		t.Fatalf("sign-up from the topic page: %d %s", r.Status, r.Body)
	}
	f.server.drainSignups(t.Context())
	sub, err := f.subs.GetByEmail(context.Background(), "reader@example.com")
	if err != nil || len(sub.Topics) != 1 || sub.Topics[0] != "japan" || len(f.confirmations()) != 1 {
		t.Errorf("subscriber: %+v %v", sub, err)
	}
}

func between(s, from, to string) string {
	_, rest, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(rest, to)
	return v
}

// The Atom feed reads back, through an independent parser, as the page's
// stories with their text intact; it pages as the page does.
func TestTopicAtomFeed(t *testing.T) {
	f := newFixture(t)
	seedTopic(t, f, TopicPageSize+5)
	r := f.do("GET", "/t/japan/feed.atom", "")
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	feed, err := gofeed.NewParser().ParseString(r.Body)
	if err != nil || feed.FeedType != "atom" {
		t.Fatalf("parse: %v %v", err, feed)
	}
	if feed.Title != "Japan · Herald" || feed.Description != "Politics <and> markets" || len(feed.Items) != TopicPageSize {
		t.Errorf("feed: %q %q %d items", feed.Title, feed.Description, len(feed.Items))
	}
	first := feed.Items[0]
	if first.Title != `<script>alert("x")</script> & more` || first.Link != "https://news.example.com/stories/s24" ||
		first.GUID != "urn:herald:story:s24" || first.Description != "First paragraph.\n\nSecond & last." {
		t.Errorf("newest entry: %+v", first)
	}
	if strings.Contains(r.Body, "<script>") {
		t.Errorf("markup unescaped in the feed")
	}
	if !strings.Contains(r.Body, `rel="next" type="application/atom+xml" href="`+f.srv.URL+`/t/japan/feed.atom?page=2"`) {
		t.Errorf("no next link:\n%.800s", r.Body)
	}
	p2, _ := gofeed.NewParser().ParseString(f.do("GET", "/t/japan/feed.atom?page=2", "").Body)
	if p2 == nil || len(p2.Items) != 5 {
		t.Errorf("page 2: %+v", p2)
	}
}

// Topic pages and feeds are public and cacheable: an ETag of their bytes,
// a 304 to a request that holds it; a new or changed story changes the
// ETag. They are on the public side when the admin side has a listener of
// its own.
func TestTopicPagesCached(t *testing.T) {
	f := newFixture(t)
	seedTopic(t, f, 3)
	for _, path := range []string{"/t/japan", "/t/japan/feed.atom"} {
		r := f.do("GET", path, "")
		etag := r.Header.Get("ETag")
		if etag == "" || r.Header.Get("Cache-Control") != "public, max-age=300" {
			t.Fatalf("%s: headers %v", path, r.Header)
		}
		if again := f.do("GET", path, "", "If-None-Match: "+etag); again.Status != http.StatusNotModified || again.Body != "" {
			t.Errorf("%s with its ETag: %d", path, again.Status)
		}
		seedTopic(t, f, 4) // s03 is new
		if r := f.do("GET", path, "", "If-None-Match: "+etag); r.Status != 200 || r.Header.Get("ETag") == etag {
			t.Errorf("%s after a new story: %d, etag %s", path, r.Status, r.Header.Get("ETag"))
		}
	}
	if _, pattern := f.server.mux.Handler(topicRequestFor("/t/japan")); adminPatterns[pattern] {
		t.Errorf("/t/ is on the admin side")
	}
}

func topicRequestFor(path string) *http.Request {
	r, _ := http.NewRequest("GET", "http://herald.example.com"+path, nil)
	return r
}

// A built page is served from memory for topicCacheTTL: a story landing
// meanwhile shows once the TTL has passed, not before.
func TestTopicPageMemoryCache(t *testing.T) {
	f := newFixture(t)
	seedTopic(t, f, 2)
	first := f.do("GET", "/t/japan", "")
	if _, err := f.stories.Put(context.Background(), &stories.Story{ID: "late", URL: "https://news.example.com/stories/late",
		Headline: "Late story", Summary: "S", Topics: []stories.Topic{{Name: "Japan"}}, PublishedAt: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if r := f.do("GET", "/t/japan", ""); r.Header.Get("ETag") != first.Header.Get("ETag") || strings.Contains(r.Body, "Late story") {
		t.Errorf("within the TTL the page was built again")
	}
	f.clock.Add(topicCacheTTL)
	if r := f.do("GET", "/t/japan", ""); !strings.Contains(r.Body, "Late story") {
		t.Errorf("after the TTL the page is stale")
	}
}
