package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/app"
	"herald/stories"
	"herald/subscribers"
)

// TestServeSlackApp: serve takes HERALD_SLACK_SIGNING_SECRET from the
// config, so a command Slack signed with it follows a topic for the
// channel's team.
func TestServeSlackApp(t *testing.T) {
	const signing = "8f742231b10e8888abcd99yyyzzz85a5"
	cfg := app.DefaultConfig()
	cfg.Secret, cfg.SlackSigningSecret = testSecret, signing
	a, srv := servePages(t, cfg)
	ctx := context.Background()
	team := &subscribers.Subscriber{Kind: subscribers.KindSlack, SlackChannel: "C0ASIADESK", Topics: []string{"japan"}}
	if err := a.Subs.Add(ctx, team); err != nil {
		t.Fatal(err)
	}
	if err := a.Stories.SetTopic(ctx, stories.Topic{Slug: "china", Name: "China"}); err != nil {
		t.Fatal(err)
	}
	body := url.Values{"command": {"/herald"}, "text": {"follow china"}, "channel_id": {"C0ASIADESK"}}.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(signing))
	io.WriteString(mac, "v0:"+ts+":"+body)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/slack/commands", strings.NewReader(body))
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("signed command: %d", res.StatusCode)
	}
	if got, err := a.Subs.Get(ctx, team.ID); err != nil || !slices.Equal(got.Topics, []string{"china", "japan"}) {
		t.Errorf("team after the command: %+v, %v; want china and japan", got, err)
	}
}
