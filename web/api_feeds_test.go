package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"herald/feeds"
	"herald/internal/egress"
)

// feedAdmin is the real feed store and poller behind the routes.
type feedAdmin struct {
	*feeds.Store
	poller *feeds.Poller
}

func (f feedAdmin) PollAll(ctx context.Context) ([]feeds.Outcome, error) {
	return f.poller.PollAll(ctx)
}

const apiRSS = `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>https://wire.example.com/</link>
<item><title>Seoul &lt;i&gt;rejects&lt;/i&gt; terms</title><link>https://wire.example.com/1</link><guid>wire-1</guid>
<pubDate>Tue, 01 Dec 2026 08:00:00 GMT</pubDate><description>No.</description></item></channel></rss>`

// POST, GET and DELETE /v1/feeds and POST /v1/feeds/poll, on a real store
// polling a local feed: the item is ingested, the status listed.
func TestFeedRoutes(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(apiRSS)) }))
	defer origin.Close()
	hosts, _ := egress.Parse(nil, strings.TrimPrefix(origin.URL, "http://"), "HERALD_FEED_HOSTS")
	var admin feedAdmin
	f := newFixture(t, func(d *Deps) {
		store := feeds.NewStore(d.RDB, d.KeyPrefix)
		admin = feedAdmin{store, &feeds.Poller{Store: store, Fetch: feeds.NewFetcher(hosts, 0, 0, "test"), Ingest: d.Stories.Put, Now: d.Now}}
		d.Feeds = admin
	})
	r := f.api("POST", "/v1/feeds", `{"url":"`+origin.URL+`/rss","topics":["Korea"],"rules":[{"category":"trade","topic":"Trade"}],"interval":"30m"}`)
	added := decode[feedView](t, r)
	if r.Status != http.StatusCreated || added.ID != feeds.IDFor(origin.URL+"/rss") || added.Interval != "30m0s" || len(added.Rules) != 1 {
		t.Fatalf("add: %d %s", r.Status, r.Body)
	}
	if r := f.api("POST", "/v1/feeds", `{"url":"`+origin.URL+`/rss","topics":["Korea"]}`); r.Status != http.StatusOK {
		t.Errorf("add again: %d %s", r.Status, r.Body)
	}
	r = f.api("POST", "/v1/feeds/poll", "")
	if r.Status != 200 || !strings.Contains(r.Body, `"new":1`) {
		t.Fatalf("poll: %d %s", r.Status, r.Body)
	}
	if st, err := f.stories.Get(context.Background(), feeds.StoryID("wire-1")); err != nil || st.Headline != "Seoul rejects terms" {
		t.Errorf("the polled story: %+v %v", st, err)
	}
	list := decode[struct{ Feeds []feedView }](t, f.api("GET", "/v1/feeds", ""))
	if len(list.Feeds) != 1 || list.Feeds[0].Status.LastOK.IsZero() || !list.Feeds[0].Status.OK() {
		t.Errorf("list: %+v", list)
	}
	if r := f.api("DELETE", "/v1/feeds/"+added.ID, ""); r.Status != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.Status, r.Body)
	}
	wantError(t, f.api("DELETE", "/v1/feeds/"+added.ID, ""), 404, CodeNotFound, "")
}

// Bad feed settings are 422 naming the field; no feed store is a 503.
func TestFeedRoutesRefuse(t *testing.T) {
	f := newFixture(t, func(d *Deps) { d.Feeds = feedAdmin{Store: feeds.NewStore(d.RDB, d.KeyPrefix)} })
	wantError(t, f.api("POST", "/v1/feeds", `{"url":"ftp://x.example.com/","topics":["a"]}`), 422, CodeInvalid, "url")
	wantError(t, f.api("POST", "/v1/feeds", `{"url":"https://x.example.com/"}`), 422, CodeInvalid, "topics")
	wantError(t, f.api("POST", "/v1/feeds", `{"url":"https://x.example.com/","topics":["a"],"interval":"soon"}`), 422, CodeInvalid, "interval")
	wantError(t, f.api("POST", "/v1/feeds", `{"url":"https://x.example.com/","topics":["a"],"interval":"1s"}`), 422, CodeInvalid, "interval")
	wantError(t, f.api("POST", "/v1/feeds", `{"url":"https://x.example.com/","topics":["a"],"rules":[{"category":"x"}]}`), 422, CodeInvalid, "rules")
	wantError(t, f.api("POST", "/v1/feeds", `{"url":"https://x.example.com/","topics":["a"],"extra":1}`), 422, CodeInvalid, "extra")
	none := newFixture(t)
	wantError(t, none.api("GET", "/v1/feeds", ""), 503, CodeUnavailable, "")
}
