package templates_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests name zones; do not depend on the host's zoneinfo

	"herald/digest"
	"herald/stories"
	"herald/subscribers"
	"herald/templates"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	japan      = stories.Topic{Slug: "japan", Name: "Japan"}
	southKorea = stories.Topic{Slug: "south-korea", Name: "South Korea"}
)

// fixedNow is the clock every test Set runs on.
func fixedNow() time.Time { return time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC) }

// mustLoad loads the templates with overrideDir ("" for the defaults).
func mustLoad(t *testing.T, overrideDir string) *templates.Set {
	t.Helper()
	s, err := templates.Load(overrideDir, templates.Options{SiteURL: "https://news.example.com/", Now: fixedNow})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

// seedStory reads the seed story from testdata.
func seedStory(t *testing.T) *stories.Story {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "seed-story.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st stories.Story
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("seed-story.json: %v", err)
	}
	return &st
}

// reader is an email subscriber in Seoul following Japan and South Korea.
func reader() *subscribers.Subscriber {
	return &subscribers.Subscriber{
		ID: "sub-ana", Kind: subscribers.KindEmail, Email: "ana@example.com", Name: "Ana Kim",
		TimeZone: "Asia/Seoul", Schedule: "daily at 08:00", MaxStories: 10,
		Status: subscribers.StatusActive, Topics: []string{"japan", "south-korea"},
	}
}

// team is a Slack channel following the same topics.
func team(schedule string) *subscribers.Subscriber {
	return &subscribers.Subscriber{
		ID: "sub-desk", Kind: subscribers.KindSlack, SlackChannel: "#asia-desk",
		TimeZone: "Asia/Seoul", Schedule: schedule, MaxStories: 10,
		Status: subscribers.StatusActive, Topics: []string{"japan", "south-korea"},
	}
}

// newDigest wraps items for sub, due at 08:00 Seoul time on 29 November.
func newDigest(sub *subscribers.Subscriber, more int, items ...digest.Item) *digest.Digest {
	slot := time.Date(2026, 11, 28, 23, 0, 0, 0, time.UTC)
	d := &digest.Digest{
		Subscriber: sub,
		Window:     digest.Window{Start: slot.Add(-24 * time.Hour), End: slot.Add(-time.Minute)},
		Items:      items,
		More:       more,
		Links: digest.Links{
			Site:        "https://news.example.com/",
			Unsubscribe: "https://herald.example.com/u/" + sub.ID + "?t=sig",
			Preferences: "https://herald.example.com/p/" + sub.ID + "?t=sig",
			Mailto:      "mailto:unsubscribe@herald.example.com?subject=" + sub.ID,
		},
		Slot: slot,
	}
	d.Links.Unfollow = map[string]string{}
	for _, slug := range d.MatchedTopics() {
		d.Links.Unfollow[slug] = "https://herald.example.com/f/" + slug + "/" + sub.ID + "?t=sig"
	}
	return d
}

// story is a short story with the given headline.
func story(id, headline string, topics ...stories.Topic) *stories.Story {
	at := time.Date(2026, 11, 28, 6, 30, 0, 0, time.UTC)
	return &stories.Story{
		ID: id, URL: "https://news.example.com/stories/" + id, Headline: headline,
		Summary: "A short summary of " + headline + ".",
		Sources: []stories.Source{{Outlet: "Reuters", URL: "https://www.reuters.com/", Summary: "Reports it."}},
		Topics:  topics, PublishedAt: at, IngestedAt: at,
	}
}

// seedDigest is the seed story and two more, with two left out.
func seedDigest(t *testing.T, sub *subscribers.Subscriber) *digest.Digest {
	t.Helper()
	return newDigest(sub, 2,
		digest.Item{Story: seedStory(t), Matched: []stories.Topic{japan, southKorea}},
		digest.Item{Story: story("japan-exports", "Japan's exports rise for a third month", japan), Matched: []stories.Topic{japan}},
		digest.Item{Story: story("seoul-rates", "Bank of Korea holds rates as won weakens", southKorea), Matched: []stories.Topic{southKorea}},
	)
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./templates -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./templates -update and review the diff)\ngot:\n%s", name, got)
	}
}

// tagRE finds HTML tags in rendered output.
var tagRE = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>`)

var voidElements = map[string]bool{"meta": true, "br": true, "img": true, "hr": true, "link": true, "input": true}

// checkWellFormed checks that the HTML starts and ends as a document and
// that its elements nest and close.
func checkWellFormed(t *testing.T, html string) {
	t.Helper()
	if !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.HasSuffix(strings.TrimSpace(html), "</html>") {
		t.Errorf("HTML does not start with <!DOCTYPE html> and end with </html>")
	}
	var stack []string
	for _, m := range tagRE.FindAllStringSubmatch(html, -1) {
		name := strings.ToLower(m[2])
		switch {
		case voidElements[name]:
		case m[1] == "":
			stack = append(stack, name)
		case len(stack) == 0 || stack[len(stack)-1] != name:
			t.Fatalf("</%s> closes %v", name, stack)
		default:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		t.Errorf("unclosed elements: %v", stack)
	}
}

// slackPayload is the decoded shape of one Slack payload.
type slackPayload struct {
	Text        string       `json:"text"`
	Blocks      []slackBlock `json:"blocks"`
	UnfurlLinks *bool        `json:"unfurl_links"`
	UnfurlMedia *bool        `json:"unfurl_media"`
	Channel     *string      `json:"channel"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text"`
	Elements []slackText `json:"elements"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func decodePayloads(t *testing.T, raw []json.RawMessage) []slackPayload {
	t.Helper()
	out := make([]slackPayload, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			t.Fatalf("payload %d: %v\n%s", i, err, r)
		}
	}
	return out
}
