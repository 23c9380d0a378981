package slack_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"herald/channels/slack"
)

// A webhook aimed at a metadata address or at localhost is refused before
// any request, with the default policy (Slack's hosts only).
func TestWebhookInsideRefused(t *testing.T) {
	f := newFixture(t, webhookOK, func(c *slack.Config) { c.Webhooks = nil })
	port := strings.TrimPrefix(f.rec.srv.URL, "http://127.0.0.1")
	for _, hook := range []string{
		"https://169.254.169.254" + webhookSecret,
		"http://localhost" + port + webhookSecret,
		f.rec.webhookURL(), // the recorder itself, not allow-listed
	} {
		err := f.sender.Send(context.Background(), webhookMsg("m", hook, textPayload("hi")))
		if se := sendError(t, err); se.Temporary || se.Reason != "webhook_not_allowed" {
			t.Errorf("webhook to %s: %v (reason %q), want a permanent webhook_not_allowed", hostOf(hook), err, se.Reason)
		}
	}
	if n := len(f.rec.requests()); n != 0 {
		t.Errorf("the recording server got %d requests, want none", n)
	}
}

// A 307 from the webhook is a failure, not followed: its target records
// no request, though it is allow-listed too.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	target := newRecorder(t, newClock(), webhookOK)
	redirect := func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, target.webhookURL(), http.StatusTemporaryRedirect)
	}
	f := newFixture(t, redirect, nil)
	both, err := slack.WebhookPolicy(strings.TrimPrefix(f.rec.srv.URL, "http://") + "," + strings.TrimPrefix(target.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	sender := slack.New(slack.Config{Webhooks: both, Sleep: f.clock.Sleep, Now: f.clock.Now}, nil)
	err = sender.Send(context.Background(), webhookMsg("m", f.rec.webhookURL(), textPayload("hi")))
	if se := sendError(t, err); se.Temporary || se.Code != http.StatusTemporaryRedirect {
		t.Errorf("307: %v (code %d), want a permanent failure with code 307", err, se.Code)
	}
	if n := len(target.requests()); n != 0 {
		t.Errorf("the redirect's target got %d requests, want none", n)
	}
	if n := len(f.rec.requests()); n != 1 {
		t.Errorf("the webhook got %d requests, want 1", n)
	}
}

func hostOf(hook string) string { return strings.TrimSuffix(hook, webhookSecret) }
