package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"herald/internal/egress"
	"herald/internal/redistest"
	"herald/stories"
	"herald/subscribers"
)

// testSlackSecret signs the test's Slack requests, as an app's Signing
// Secret does.
const testSlackSecret = "8f742231b10e8888abcd99yyyzzz85a5"

const testChannel = "C0ASIADESK"

// slackFixture is the server with the Slack app on, a team in testChannel
// following japan, and a topic registry.
type slackFixture struct {
	*fixture
	team      *subscribers.Subscriber
	responses chan gotReply // posted to the response_url
	respURL   string
}

func newSlackFixture(t *testing.T, tweak ...func(*Deps)) *slackFixture {
	t.Helper()
	sf := &slackFixture{responses: make(chan gotReply, 10)}
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var reply gotReply
		if err := json.NewDecoder(r.Body).Decode(&reply); err != nil {
			t.Errorf("response_url got %v", err)
		}
		sf.responses <- reply
	}))
	t.Cleanup(rec.Close)
	sf.respURL = rec.URL + "/actions/T0/1/xyz"
	policy, err := egress.Parse([]string{"hooks.slack.com"}, strings.TrimPrefix(rec.URL, "http://"), "HERALD_SLACK_WEBHOOK_HOSTS")
	if err != nil {
		t.Fatal(err)
	}
	on := func(d *Deps) { d.SlackSigningSecret, d.SlackResponses = testSlackSecret, policy }
	sf.fixture = newFixture(t, append([]func(*Deps){on}, tweak...)...)
	t.Cleanup(sf.server.slackPosts.Wait) // before the recorder closes
	sf.register(t)
	return sf
}

// register fills the topic registry and adds the team.
func (sf *slackFixture) register(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	for _, tp := range []stories.Topic{{Slug: "japan", Name: "Japan"}, {Slug: "south-korea", Name: "South Korea"},
		{Slug: "united-states", Name: "United States"}, {Slug: "china", Name: "China"}} {
		if err := sf.stories.SetTopic(ctx, tp); err != nil {
			t.Fatal(err)
		}
	}
	sf.team = &subscribers.Subscriber{Kind: subscribers.KindSlack, SlackChannel: testChannel, Name: "Asia desk",
		TimeZone: "Asia/Tokyo", Schedule: "daily 09:00", Topics: []string{"japan"}}
	if err := sf.subs.Add(ctx, sf.team); err != nil {
		t.Fatal(err)
	}
}

// topics are the team's follows as Redis has them.
func (sf *slackFixture) topics(t *testing.T) []string {
	t.Helper()
	got, err := sf.subs.Get(t.Context(), sf.team.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Topics
}

// slackSignature is Slack's v0 signature of body at ts under secret:
// HMAC-SHA256 of "v0:<ts>:<body>", hex, after "v0=".
func slackSignature(secret string, ts int64, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, "v0:"+strconv.FormatInt(ts, 10)+":"+body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// slackSigned sends body to path as Slack does, signed under secret at ts.
func (sf *slackFixture) slackSigned(path, body, secret string, ts time.Time) response {
	sf.t.Helper()
	return sf.do(http.MethodPost, path, body, "Content-Type: application/x-www-form-urlencoded",
		"X-Slack-Request-Timestamp: "+strconv.FormatInt(ts.Unix(), 10),
		"X-Slack-Signature: "+slackSignature(secret, ts.Unix(), body))
}

// command sends the slash command /herald text from channel and decodes
// the reply.
func (sf *slackFixture) command(channel, text string) (response, gotReply) {
	sf.t.Helper()
	form := url.Values{"command": {"/herald"}, "text": {text}, "channel_id": {channel}, "team_id": {"T0"},
		"user_id": {"U0"}, "response_url": {sf.respURL}}
	resp := sf.slackSigned("/slack/commands", form.Encode(), testSlackSecret, time.Now())
	var reply gotReply
	if resp.Status == http.StatusOK {
		if err := json.Unmarshal([]byte(resp.Body), &reply); err != nil {
			sf.t.Fatalf("reply %q: %v", resp.Body, err)
		}
	}
	return resp, reply
}

// interaction sends an interaction payload (JSON) as Slack does.
func (sf *slackFixture) interaction(path string, payload any) response {
	sf.t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		sf.t.Fatal(err)
	}
	return sf.slackSigned(path, url.Values{"payload": {string(b)}}.Encode(), testSlackSecret, time.Now())
}

// buttonPress is the block_actions payload of a press on a Follow button
// whose value is slug, in channel.
func (sf *slackFixture) buttonPress(channel, slug string) map[string]any {
	return map[string]any{
		"type": "block_actions", "team": map[string]any{"id": "T0"}, "user": map[string]any{"id": "U0"},
		"channel": map[string]any{"id": channel}, "response_url": sf.respURL,
		"actions": []map[string]any{{"type": "button", "action_id": "herald_follow:0", "block_id": "herald_follow_1", "value": slug}},
	}
}

// slowProxy forwards TCP to addr, holding every chunk a client sends for
// delay: a Redis that answers late.
func slowProxy(t *testing.T, addr string, delay time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var closed atomic.Bool
	t.Cleanup(func() { closed.Store(true); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go relaySlowly(c, addr, delay, &closed)
		}
	}()
	return ln.Addr().String()
}

func relaySlowly(c net.Conn, addr string, delay time.Duration, closed *atomic.Bool) {
	defer c.Close()
	up, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer up.Close()
	go io.Copy(c, up)
	buf := make([]byte, 32<<10)
	for !closed.Load() {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		time.Sleep(delay) // the slowness under test, not a wait for luck
		if _, err := up.Write(buf[:n]); err != nil {
			return
		}
	}
}

// redisAddr is the address of the package's single Redis; a cluster
// skips the test.
func redisAddr(t *testing.T) string {
	t.Helper()
	if !redistest.Real() || os.Getenv("HERALD_TEST_CLUSTER") == "1" {
		t.Skip("needs one real redis-server")
	}
	return redistest.Addr(t)
}

// gotReply is a reply as Slack reads it.
type gotReply struct {
	ResponseType    string            `json:"response_type"`
	ReplaceOriginal bool              `json:"replace_original"`
	Text            string            `json:"text"`
	Blocks          []json.RawMessage `json:"blocks"`
}

// buttons are the values of the reply's buttons, and whether it holds the
// topic picker.
func (g gotReply) buttons(t *testing.T) (values []string, picker bool) {
	t.Helper()
	for _, raw := range g.Blocks {
		var b struct {
			Type      string `json:"type"`
			Accessory *struct {
				Type     string `json:"type"`
				ActionID string `json:"action_id"`
			} `json:"accessory"`
			Elements []struct {
				Type, Value string
			} `json:"elements"`
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Fatal(err)
		}
		picker = picker || b.Accessory != nil && b.Accessory.Type == "external_select" && b.Accessory.ActionID == slackPickAction
		for _, e := range b.Elements {
			if b.Type == "actions" && e.Type == "button" {
				values = append(values, e.Value)
			}
		}
	}
	return values, picker
}
