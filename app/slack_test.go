package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/app"
	"herald/channels/slack"
	"herald/digest"
	"herald/examples"
	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/stories"
	"herald/subscribers"
)

// slackAPI records every chat.postMessage and answers with reply(channel).
type slackAPI struct {
	mu    sync.Mutex
	posts []url.Values
	reply func(channel string) string
}

func (s *slackAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	s.mu.Lock()
	s.posts = append(s.posts, form)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if s.reply != nil {
		if e := s.reply(form.Get("channel")); e != "" {
			_, _ = io.WriteString(w, `{"ok":false,"error":"`+e+`"}`)
			return
		}
	}
	_, _ = io.WriteString(w, `{"ok":true,"channel":"`+form.Get("channel")+`","ts":"1.0"}`)
}

func (s *slackAPI) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.posts) }

type slackHarness struct {
	t     *testing.T
	app   *app.App
	clock *settable.Clock
	api   *slackAPI
	run   func() digest.Stats
}

func newSlackHarness(t *testing.T) *slackHarness {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	h := &slackHarness{t: t, clock: settable.New(time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)), api: &slackAPI{}}
	srv := httptest.NewServer(h.api)
	t.Cleanup(srv.Close)
	cfg := app.DefaultConfig()
	cfg.RedisPrefix, cfg.Secret = prefix, "s"
	a, err := app.New(context.Background(), cfg, app.Options{RDB: rdb, Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h.app = a
	sender := slack.New(slack.Config{
		Token: "xoxb-test", APIURL: srv.URL + "/", Now: h.clock.Now,
		Sleep: func(context.Context, time.Duration) error { return nil },
	}, nil)
	r := a.Runner(map[subscribers.Kind]digest.Channel{subscribers.KindSlack: sender})
	h.run = func() digest.Stats {
		st, err := r.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	return h
}

func (h *slackHarness) team(channel, schedule string, topics ...string) *subscribers.Subscriber {
	h.t.Helper()
	s := &subscribers.Subscriber{Kind: subscribers.KindSlack, Name: "Desk", SlackChannel: channel,
		TimeZone: "Asia/Tokyo", Schedule: schedule, Topics: topics}
	if err := h.app.Subs.Add(context.Background(), s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

func (h *slackHarness) ingest(id, headline string, topics ...string) {
	h.t.Helper()
	st := &stories.Story{ID: id, URL: "https://news.example.com/" + id, Headline: headline,
		Summary: "Summary of " + id, PublishedAt: h.clock.Now()}
	for _, n := range topics {
		st.Topics = append(st.Topics, stories.Topic{Name: n})
	}
	if _, err := h.app.Ingest(context.Background(), st); err != nil {
		h.t.Fatal(err)
	}
}

// An instant team gets one message per new story, and none for an updated
// re-import of a story it already got.
func TestSlackInstantAlertOncePerStory(t *testing.T) {
	h := newSlackHarness(t)
	h.team("C0ALERTS1", "instant", "japan")
	h.clock.Set(h.clock.Now().Add(time.Minute))
	h.ingest("first", "Japan story one", "Japan")
	h.ingest("other", "Not followed", "Chile")
	if st := h.run(); st.Claimed != 0 {
		t.Fatalf("claimed before the settle lag passed: %+v", st)
	}
	h.clock.Set(h.clock.Now().Add(10 * time.Second))
	if st := h.run(); st.Sent != 1 || h.api.count() != 1 {
		t.Fatalf("stats %+v, %d posts; want one alert", st, h.api.count())
	}
	if !strings.Contains(h.api.posts[0].Get("blocks"), "Japan story one") {
		t.Errorf("alert lacks the story: %s", h.api.posts[0].Get("blocks"))
	}

	h.clock.Set(h.clock.Now().Add(time.Minute))
	h.ingest("first", "Japan story one, updated", "Japan") // re-import
	h.clock.Set(h.clock.Now().Add(time.Minute))
	if st := h.run(); st.Claimed != 0 || h.api.count() != 1 {
		t.Fatalf("re-import alerted again: %+v, %d posts", st, h.api.count())
	}

	h.ingest("second", "Japan story two", "Japan")
	h.ingest("third", "Japan story three", "Japan")
	h.clock.Set(h.clock.Now().Add(10 * time.Second))
	h.run()
	if h.api.count() != 3 {
		t.Fatalf("%d posts after two more stories, want 3 (one per story)", h.api.count())
	}
}

func TestSlackChannelNotFoundMarksFailing(t *testing.T) {
	h := newSlackHarness(t)
	team := h.team("C0GONE999", "daily 09:00", "japan")
	h.api.reply = func(string) string { return "channel_not_found" }
	h.clock.Set(h.clock.Now().Add(time.Minute))
	h.ingest("s1", "Japan story", "Japan")
	h.clock.Set(time.Date(2026, 11, 29, 0, 0, 5, 0, time.UTC)) // 09:00 in Tokyo
	if st := h.run(); st.Permanent != 1 {
		t.Fatalf("stats %+v", st)
	}
	got, err := h.app.Subs.Get(context.Background(), team.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != subscribers.StatusFailing || !strings.Contains(got.LastError, "channel_not_found") {
		t.Errorf("status %s, last error %q; want failing with the reason", got.Status, got.LastError)
	}
	h.clock.Set(time.Date(2026, 11, 30, 0, 0, 5, 0, time.UTC))
	h.run()
	if h.api.count() != 1 {
		t.Errorf("%d posts: a failing subscription was retried", h.api.count())
	}
}

// The digest payload posted for a team: header, sections, fallback text,
// unfurling off.
func TestSlackDigestPayload(t *testing.T) {
	h := newSlackHarness(t)
	h.team("C0DESK001", "daily 09:00", "japan")
	h.clock.Set(h.clock.Now().Add(time.Minute))
	h.ingest("s1", "Tokyo <!channel> story", "Japan")
	h.clock.Set(time.Date(2026, 11, 29, 0, 0, 5, 0, time.UTC))
	if st := h.run(); st.Sent != 1 {
		t.Fatalf("stats %+v", st)
	}
	p := h.api.posts[0]
	if p.Get("channel") != "C0DESK001" || p.Get("text") == "" || p.Get("unfurl_links") != "false" {
		t.Errorf("post %v", p)
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(p.Get("blocks")), &blocks); err != nil || len(blocks) == 0 || blocks[0]["type"] != "header" {
		t.Fatalf("blocks %s (%v)", p.Get("blocks"), err)
	}
	section, _ := blocks[1]["text"].(map[string]any)
	if text, _ := section["text"].(string); strings.Contains(text, "<!channel>") || !strings.Contains(text, "&lt;!channel&gt;") {
		t.Errorf("story text not escaped for mrkdwn: %q", text)
	}
}

// The demo's team digest on a recording server: a parent message naming
// the lead headline, the stories as replies in its thread, every post
// within Block Kit's limits, metadata in context blocks.
func TestSlackDigestParentAndThread(t *testing.T) {
	h := newSlackHarness(t)
	h.team("C0ASIADESK", "daily 09:00", "china", "japan", "south-korea")
	h.clock.Set(h.clock.Now().Add(time.Minute))
	list, err := stories.Parse(bytes.NewReader(examples.Stories()))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range list {
		if _, err := h.app.Ingest(context.Background(), st); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Set(time.Date(2026, 11, 29, 0, 0, 5, 0, time.UTC)) // 09:00 in Tokyo
	if st := h.run(); st.Sent != 1 {
		t.Fatalf("stats %+v", st)
	}
	posts := h.api.posts
	if len(posts) < 2 {
		t.Fatalf("%d posts, want a parent and replies", len(posts))
	}
	if !strings.HasPrefix(posts[0].Get("text"), "Herald digest: ") || !strings.Contains(posts[0].Get("blocks"), posts[0].Get("text")[len("Herald digest: "):][:20]) {
		t.Errorf("parent's fallback text %q does not name a headline it lists", posts[0].Get("text"))
	}
	for i, p := range posts {
		var blocks []struct {
			Type string          `json:"type"`
			Text json.RawMessage `json:"text"`
		}
		if err := json.Unmarshal([]byte(p.Get("blocks")), &blocks); err != nil {
			t.Fatalf("post %d: blocks: %v", i, err)
		}
		if thread := p.Get("thread_ts"); (i == 0) != (thread == "") || (i > 0 && thread != "1.0") {
			t.Errorf("post %d: thread_ts = %q", i, thread)
		}
		kinds := map[string]int{}
		for _, b := range blocks {
			kinds[b.Type]++
			if b.Type == "section" && len([]rune(string(b.Text))) > 3100 {
				t.Errorf("post %d: a section over 3,000 characters", i)
			}
		}
		if len(blocks) > 50 || kinds["context"] == 0 {
			t.Errorf("post %d: %d blocks, %d context blocks", i, len(blocks), kinds["context"])
		}
	}
}
