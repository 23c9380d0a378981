package templates_test

import (
	"encoding/json"
	"strings"
	"testing"

	"herald/digest"
	"herald/stories"
	"herald/subscribers"
	"herald/templates"
)

// followButton is one button of an actions block, as Slack reads it.
type followButton struct {
	ActionID string    `json:"action_id"`
	Value    string    `json:"value"`
	Text     slackText `json:"text"`
}

// buttonsOf lists every button in the payloads, in order.
func buttonsOf(t *testing.T, raw []json.RawMessage) []followButton {
	t.Helper()
	var out []followButton
	for _, r := range raw {
		var p struct {
			Blocks []struct {
				Type     string          `json:"type"`
				Elements json.RawMessage `json:"elements"`
			} `json:"blocks"`
		}
		if err := json.Unmarshal(r, &p); err != nil {
			t.Fatal(err)
		}
		for _, b := range p.Blocks {
			var buttons []followButton
			if b.Type != "actions" {
				continue
			}
			if err := json.Unmarshal(b.Elements, &buttons); err != nil {
				t.Fatal(err)
			}
			out = append(out, buttons...)
		}
	}
	return out
}

func renderSlack(t *testing.T, follow bool, d *digest.Digest) []json.RawMessage {
	t.Helper()
	s, err := templates.Load("", templates.Options{SiteURL: "https://news.example.com/", Now: fixedNow, SlackFollow: follow})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := s.RenderSlack(d)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// With the Slack app on, a story's topics the channel does not follow get a
// Follow button whose value is the slug, in digests and instant alerts;
// without it, or for a webhook team, no message has a button.
func TestSlackFollowButtons(t *testing.T) {
	webhookTeam := team("daily at 08:00")
	webhookTeam.SlackChannel, webhookTeam.WebhookURL = "", "https://hooks.slack.com/services/T/B/X"
	tests := []struct {
		name   string
		follow bool
		sub    *subscribers.Subscriber
		want   int
	}{
		{"digest", true, team("daily at 08:00"), 1},
		{"instant alerts", true, team("instant"), 1},
		{"no Slack app", false, team("daily at 08:00"), 0},
		{"webhook team", true, webhookTeam, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buttons := buttonsOf(t, renderSlack(t, tt.follow, seedDigest(t, tt.sub)))
			if len(buttons) != tt.want {
				t.Fatalf("got %d buttons %+v, want %d", len(buttons), buttons, tt.want)
			}
			for _, b := range buttons { // the seed story's one topic the team does not follow
				if b.Value != "united-states" || b.Text.Text != "Follow United States" || !strings.HasPrefix(b.ActionID, templates.SlackFollowAction) {
					t.Errorf("button %+v, want Follow United States with value united-states", b)
				}
			}
		})
	}
}

// A story on many unfollowed topics offers at most three, and a topic name
// cannot mention or link.
func TestSlackFollowButtonsBounded(t *testing.T) {
	var topics []stories.Topic
	for _, name := range []string{"<!channel> Alpha", "Beta", "Gamma", "Delta", "Epsilon"} {
		topics = append(topics, stories.Topic{Slug: strings.ToLower(strings.Fields(name)[len(strings.Fields(name))-1]), Name: name})
	}
	st := story("many", "Many topics", append(topics, japan)...)
	d := newDigest(team("instant"), 0, digest.Item{Story: st, Matched: []stories.Topic{japan}})
	raw := renderSlack(t, true, d)
	buttons := buttonsOf(t, raw)
	if len(buttons) != 3 || buttons[0].Value != "alpha" || buttons[2].Value != "gamma" {
		t.Fatalf("buttons %+v, want alpha, beta, gamma", buttons)
	}
	if strings.Contains(string(raw[0]), "<!channel>") || buttons[0].Text.Text != "Follow &lt;!channel&gt; Alpha" {
		t.Errorf("button text %q is not escaped", buttons[0].Text.Text)
	}
}
