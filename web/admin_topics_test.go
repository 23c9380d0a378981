package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"herald/digest"
	"herald/internal/reach"
	"herald/stories"
)

// putPublished stores a story on Japan with a headline and publication
// time of its own.
func (c *consoleFixture) putPublished(id, headline string, published time.Time) {
	c.t.Helper()
	st := &stories.Story{ID: id, URL: "https://news.example.com/" + id, Headline: headline,
		Summary: "What happened.", PublishedAt: published, Topics: []stories.Topic{{Name: "Japan"}}}
	if _, err := c.stories.Put(context.Background(), st); err != nil {
		c.t.Fatal(err)
	}
}

// The topics page lists a topic's recent stories, latest publication
// first, each with its counts per channel kind, escaped.
func TestConsoleTopicStories(t *testing.T) {
	c := newConsole(t)
	pub := mustTime(t, "2026-11-28T05:00:00Z")
	c.putPublished("late", "Published late, ingested first", pub.Add(time.Hour))
	c.clock.Set(c.clock.Now().Add(time.Minute))
	c.putPublished("early", "<b>Tokyo</b> & markets", pub)
	err := c.stories.AddReach(context.Background(), map[string]map[string]int64{
		"late": {reach.EmailDigest: 3, reach.SlackAlert: 1}, "early": {reach.EmailAlert: 2}})
	if err != nil {
		t.Fatal(err)
	}
	body := c.get(c.signedIn(), "/admin/topics").Body
	for _, want := range []string{
		`<th>email digests</th><th>email alerts</th><th>Slack digests</th><th>Slack alerts</th>`,
		`<tr id="reach-japan-late"><td>2026-11-28 06:00 UTC</td><td><a href="https://news.example.com/late">Published late, ingested first</a></td><td data-label="email digests">3</td><td data-label="email alerts">0</td><td data-label="Slack digests">0</td><td data-label="Slack alerts">1</td></tr>`,
		`&lt;b&gt;Tokyo&lt;/b&gt; &amp; markets</a></td><td data-label="email digests">0</td><td data-label="email alerts">2</td>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("topics page lacks %q:\n%s", want, body)
		}
	}
	if strings.Index(body, "reach-japan-late") > strings.Index(body, "reach-japan-early") {
		t.Error("stories not in order of publication, latest first")
	}
}

// The dashboard's empty column counts each channel's digests with no
// stories, which are not in the delivery log, and a channel that had
// only empty ones gets a row.
func TestConsoleDashboardEmptyByChannel(t *testing.T) {
	var asked []time.Duration
	c := newConsole(t, func(d *Deps) {
		d.Console.EmptyByChannel = func(_ context.Context, since, now time.Time) (map[string]int64, error) {
			asked = append(asked, now.Sub(since))
			if now.Sub(since) == time.Hour {
				return map[string]int64{"slack": 2}, nil
			}
			return map[string]int64{"slack": 5, "email": 1}, nil
		}
	})
	if err := c.log.Record(context.Background(), digest.Delivery{SubscriberID: "s1", MessageID: "m1", Channel: "email", Result: "sent", At: c.clock.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	body := c.get(c.signedIn(), "/admin/").Body
	for _, want := range []string{
		`<tr><td>email</td><td>1</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>slack</td><td>0</td><td>2</td><td>0</td><td>0</td></tr>`,
		`<tr><td>email</td><td>1</td><td>1</td><td>0</td><td>0</td></tr>
<tr><td>slack</td><td>0</td><td>5</td><td>0</td><td>0</td></tr>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q:\n%s", want, body)
		}
	}
	if len(asked) != 2 || asked[1] != 24*time.Hour {
		t.Errorf("asked for empties over %v, want the hour and the day", asked)
	}
}
