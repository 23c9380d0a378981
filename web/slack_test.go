package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/stories"
	"herald/subscribers"
)

// Signed slash commands change the channel's team subscription in Redis
// and answer ephemerally.
func TestSlackCommandsChangeTeam(t *testing.T) {
	sf := newSlackFixture(t)
	steps := []struct {
		text, reply string
		topics      []string
	}{
		{"follow South Korea", "This channel now follows *South Korea*.", []string{"japan", "south-korea"}},
		{"follow south-korea", "This channel already follows *South Korea*.", []string{"japan", "south-korea"}},
		{"unfollow japan", "This channel no longer follows *Japan*.", []string{"south-korea"}},
		{"unfollow china", "This channel does not follow “china”", []string{"south-korea"}},
		{"list", "This channel follows South Korea. Schedule: `daily 09:00` (Asia/Tokyo).", []string{"south-korea"}},
	}
	for _, st := range steps {
		resp, reply := sf.command(testChannel, st.text)
		if resp.Status != http.StatusOK || reply.ResponseType != "ephemeral" || !strings.HasPrefix(reply.Text, st.reply) {
			t.Errorf("/herald %s: %d %+v, want an ephemeral %q", st.text, resp.Status, reply, st.reply)
		}
		if got := sf.topics(t); !slices.Equal(got, st.topics) {
			t.Errorf("after /herald %s the team follows %q, want %q", st.text, got, st.topics)
		}
	}
}

func TestSlackScheduleCommand(t *testing.T) {
	sf := newSlackFixture(t)
	if _, reply := sf.command(testChannel, "schedule daily 08:00"); reply.Text != "Schedule: `daily 08:00` (Asia/Tokyo)." {
		t.Errorf("reply %q", reply.Text)
	}
	if _, reply := sf.command(testChannel, "schedule sometimes"); !strings.Contains(reply.Text, "is not a schedule") {
		t.Errorf("a bad schedule got %q", reply.Text)
	}
	got, err := sf.subs.Get(t.Context(), sf.team.ID)
	if err != nil || got.Schedule != "daily 08:00" || !slices.Equal(got.Topics, []string{"japan"}) {
		t.Errorf("team %+v, %v: want daily 08:00 following japan", got, err)
	}
	due, err := sf.subs.DueAt(t.Context(), sf.team.ID)
	if want := mustTime(t, testStart).Add(15 * time.Hour); err != nil || !due.Equal(want) { // 08:00 Tokyo on the 29th
		t.Errorf("due %v, %v; want %v", due, err, want)
	}
}

// Help, an unknown verb, a channel with no team and a topic no story
// carries get answers that say what to do.
func TestSlackCommandAnswers(t *testing.T) {
	sf := newSlackFixture(t)
	tests := []struct{ channel, text, want string }{
		{testChannel, "", "`/herald follow <topic>`"},
		{testChannel, "help", "`/herald schedule daily 08:00`"},
		{testChannel, "subscribe me", "`/herald list`"},
		{"C0NOBODY00", "follow japan", "This channel has no Herald subscription"},
		{testChannel, "follow", "Which topic?"},
		{testChannel, "follow kor", "No topic is called “kor”."},
		{testChannel, "schedule", "is not a schedule"},
	}
	for _, tt := range tests {
		if _, reply := sf.command(tt.channel, tt.text); !strings.Contains(reply.Text, tt.want) {
			t.Errorf("/herald %s in %s: %q, want it to hold %q", tt.text, tt.channel, reply.Text, tt.want)
		}
	}
	_, reply := sf.command(testChannel, "follow kor")
	if values, picker := reply.buttons(t); !slices.Equal(values, []string{"south-korea"}) || !picker {
		t.Errorf("follow kor: buttons %q, picker %v; want a Follow South Korea button and the picker", values, picker)
	}
	if got := sf.topics(t); !slices.Equal(got, []string{"japan"}) {
		t.Errorf("the answers changed the follows: %q", got)
	}
}

// A request not signed now with the app's secret is a 401 and changes
// nothing; without a secret configured the endpoints do not exist.
func TestSlackRefusesUnsigned(t *testing.T) {
	sf := newSlackFixture(t)
	body := url.Values{"command": {"/herald"}, "text": {"follow china"}, "channel_id": {testChannel}}.Encode()
	now := time.Now()
	tests := []struct {
		name   string
		secret string
		ts     time.Time
		hdr    []string
		want   int
	}{
		{"stale timestamp", testSlackSecret, now.Add(-5*time.Minute - 10*time.Second), nil, http.StatusUnauthorized},
		{"future timestamp", testSlackSecret, now.Add(5*time.Minute + 10*time.Second), nil, http.StatusUnauthorized},
		{"bad signature", "another-secret-0123456789abcdef0", now, nil, http.StatusUnauthorized},
		{"no signature", "", now, []string{"X-Slack-Request-Timestamp: " + strconv.FormatInt(now.Unix(), 10)}, http.StatusUnauthorized},
		{"within five minutes", testSlackSecret, now.Add(-4*time.Minute - 50*time.Second), nil, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp response
			if tt.secret == "" {
				resp = sf.do(http.MethodPost, "/slack/commands", body, tt.hdr...)
			} else {
				resp = sf.slackSigned("/slack/commands", body, tt.secret, tt.ts)
			}
			if resp.Status != tt.want {
				t.Errorf("status %d, want %d: %s", resp.Status, tt.want, resp.Body)
			}
			if tt.want == http.StatusUnauthorized && slices.Contains(sf.topics(t), "china") {
				t.Errorf("a refused request followed china")
			}
		})
	}
	for _, path := range []string{"/slack/interactions", "/slack/options"} {
		if resp := sf.slackSigned(path, "payload=%7B%7D", "another-secret-0123456789abcdef0", now); resp.Status != http.StatusUnauthorized {
			t.Errorf("%s with a bad signature: %d, want 401", path, resp.Status)
		}
	}
	big := "text=" + strings.Repeat("a", slackMaxBody)
	if resp := sf.slackSigned("/slack/commands", big, testSlackSecret, now); resp.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over %d bytes: %d, want 413", slackMaxBody, resp.Status)
	}
	off := newFixture(t)
	if resp := off.do(http.MethodPost, "/slack/commands", body); resp.Status != http.StatusNotFound {
		t.Errorf("without a signing secret: %d, want 404", resp.Status)
	}
}

// A Follow button's press follows its topic and the answer reaches the
// response_url.
func TestSlackFollowButton(t *testing.T) {
	sf := newSlackFixture(t)
	if resp := sf.interaction("/slack/interactions", sf.buttonPress(testChannel, "united-states")); resp.Status != http.StatusOK {
		t.Fatalf("button press: %d %s", resp.Status, resp.Body)
	}
	if got := sf.topics(t); !slices.Equal(got, []string{"japan", "united-states"}) {
		t.Errorf("after the press the team follows %q, want japan, united-states", got)
	}
	select {
	case reply := <-sf.responses:
		if reply.ResponseType != "ephemeral" || reply.ReplaceOriginal || reply.Text != "This channel now follows *United States*." {
			t.Errorf("response_url got %+v", reply)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing was posted to the response_url")
	}
	picked := sf.buttonPress(testChannel, "")
	picked["actions"] = []map[string]any{{"type": "external_select", "block_id": "b1", "action_id": slackPickAction, "selected_option": map[string]any{"value": "china"}}}
	sf.interaction("/slack/interactions", picked)
	if got := sf.topics(t); !slices.Equal(got, []string{"china", "japan", "united-states"}) {
		t.Errorf("after the picker the team follows %q, want china too", got)
	}
}

// The topic picker completes by prefix: of the slug, then of a later word.
func TestSlackTopicOptions(t *testing.T) {
	sf := newSlackFixture(t)
	if err := sf.stories.SetTopic(t.Context(), stories.Topic{Slug: "korean-peninsula", Name: "Korean Peninsula"}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/slack/options", "/slack/interactions"} {
		resp := sf.interaction(path, map[string]any{"type": "block_suggestion", "action_id": slackPickAction, "value": "Kor",
			"channel": map[string]any{"id": testChannel}})
		want := `{"options":[{"text":{"type":"plain_text","text":"Korean Peninsula","emoji":false},"value":"korean-peninsula"},` +
			`{"text":{"type":"plain_text","text":"South Korea","emoji":false},"value":"south-korea"}]}`
		if resp.Status != http.StatusOK || strings.TrimSpace(resp.Body) != want {
			t.Errorf("%s: %d %s\nwant %s", path, resp.Status, resp.Body, want)
		}
	}
}

// With Redis answering late, the command is still answered within Slack's
// 3 seconds, saying to try again.
func TestSlackAnswersInTimeWhenRedisIsSlow(t *testing.T) {
	slow := redis.NewClient(&redis.Options{Addr: slowProxy(t, redisAddr(t), 5*time.Second)})
	t.Cleanup(func() { slow.Close() })
	sf := newSlackFixture(t, func(d *Deps) {
		d.Subs = subscribers.NewStore(slow, d.KeyPrefix, nil)
		d.Stories = stories.NewStore(slow, d.KeyPrefix, stories.Options{})
	})
	for _, text := range []string{"follow china", "list"} {
		start := time.Now()
		resp, reply := sf.command(testChannel, text)
		if took := time.Since(start); took >= 3*time.Second {
			t.Errorf("/herald %s took %v, want under 3 s", text, took)
		}
		if resp.Status != http.StatusOK || reply.Text != slackTryAgain {
			t.Errorf("/herald %s: %d %q, want %q", text, resp.Status, reply.Text, slackTryAgain)
		}
	}
	start := time.Now()
	sf.interaction("/slack/interactions", sf.buttonPress(testChannel, "china"))
	if took := time.Since(start); took >= 3*time.Second {
		t.Errorf("the button press took %v, want under 3 s", took)
	}
}
