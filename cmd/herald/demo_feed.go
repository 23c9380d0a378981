package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"herald/app"
	"herald/feeds"
)

// demoFeedPath is where the demo's own feed server serves its RSS.
const demoFeedPath = "/newsroom.rss"

// demoRSS is the one item of the demo's feed: its HTML becomes plain
// paragraphs, its "Markets" category a topic by the feed's rule.
const demoRSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Newsroom wire</title><link>https://news.example.com/</link><description>The newsroom's own feed</description>
<item>
<title>Bank of Japan holds rates as the yen steadies</title>
<link>https://news.example.com/stories/boj-holds-rates-yen-steadies</link>
<guid isPermaLink="false">newsroom-wire-2026-boj</guid>
<category>Markets</category>
<description><![CDATA[<p>The Bank of Japan kept its policy rate unchanged, saying the <b>weaker yen</b> has stopped sliding.</p><p>Economists expect a move in the new year.</p>]]></description>
</item>
</channel></rss>`

// startDemoFeed serves the demo's feed from this process, on loopback;
// its host goes on the demo's HERALD_FEED_HOSTS.
func startDemoFeed() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != demoFeedPath {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(demoRSS))
	}))
}

// demoFeedURL is the feed's URL, from the one allow-listed host.
func demoFeedURL(a *app.App) string { return "http://" + a.Cfg.FeedHosts + demoFeedPath }

// ingestDemoFeed registers the demo's feed and polls it once.
func ingestDemoFeed(ctx context.Context, a *app.App) error {
	f := &feeds.Feed{URL: demoFeedURL(a), Topics: []string{"Japan"}, Rules: []feeds.Rule{{Category: "markets", Topic: "Markets"}}}
	if _, err := a.Feeds.Add(ctx, f); err != nil {
		return fmt.Errorf("demo: feed: %w", err)
	}
	out, err := a.FeedPoller.PollAll(ctx)
	if err == nil && (len(out) != 1 || out[0].Error != "" || out[0].New != 1) {
		err = fmt.Errorf("%+v", out)
	}
	if err != nil {
		return fmt.Errorf("demo: feed poll: %w", err)
	}
	return nil
}

// describeDemoFeed is the demo's line about its feed.
func describeDemoFeed(ctx context.Context, a *app.App) string {
	list, err := a.Feeds.List(ctx)
	if err != nil || len(list) != 1 {
		return fmt.Sprintf("feed: %v", err)
	}
	f := list[0]
	return fmt.Sprintf("Feed: 1 story ingested from %s, an RSS feed the demo serves itself (topics %s, category rule markets=Markets): %s\n",
		f.URL, strings.Join(f.Topics, ","), feedStatus(f.Status))
}
