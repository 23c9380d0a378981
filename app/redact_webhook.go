package app

import (
	"net/url"

	"herald/subscribers"
)

// RedactWebhook shows enough of a webhook URL to recognise it (host and the
// first path segment) and hides the secret part.
func RedactWebhook(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(set)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// CheckWebhook applies the webhook host policy (Slack's hosts and
// HERALD_SLACK_WEBHOOK_HOSTS) to a team's webhook URL, as adding or
// changing a team does; the error names the field, never the URL.
func (a *App) CheckWebhook(raw string) error {
	if raw == "" {
		return nil
	}
	if err := a.Webhooks.CheckURL(raw); err != nil {
		return &subscribers.ValidationError{Field: "webhook_url", Message: err.Error()}
	}
	return nil
}
