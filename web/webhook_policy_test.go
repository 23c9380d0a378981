package web

import (
	"testing"

	"herald/channels/slack"
	"herald/subscribers"
)

// A team's webhook aimed inside is refused on create and on change, with
// the field named; Slack's own host is accepted.
func TestWebhookPolicyOnTeams(t *testing.T) {
	policy, err := slack.WebhookPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(d *Deps) {
		d.CheckWebhook = func(raw string) error {
			if err := policy.CheckURL(raw); err != nil {
				return &subscribers.ValidationError{Field: "webhook_url", Message: err.Error()}
			}
			return nil
		}
	})
	for _, hook := range []string{"https://169.254.169.254/latest/meta-data/", "http://localhost:6379/", "https://hooks.example.com/x"} {
		wantError(t, f.api("POST", "/v1/subscribers", `{"webhook_url":"`+hook+`","topics":["japan"]}`), 422, CodeInvalid, "webhook_url")
	}
	r := f.api("POST", "/v1/subscribers", `{"id":"desk","webhook_url":"https://hooks.slack.com/services/T0/B0/X","topics":["japan"]}`)
	if r.Status != 201 {
		t.Fatalf("Slack's webhook host: %d %s", r.Status, r.Body)
	}
	wantError(t, f.api("PATCH", "/v1/subscribers/desk", `{"webhook_url":"https://169.254.169.254/x"}`), 422, CodeInvalid, "webhook_url")
	if got := f.getSub("desk"); got.WebhookURL != "https://hooks.slack.com/services/T0/B0/X" {
		t.Errorf("a refused PATCH changed the webhook")
	}
}
