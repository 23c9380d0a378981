package app

import "net/url"

// RedactWebhook shows enough of a webhook URL to recognise it (host and the
// first path segment) and hides the secret part.
func RedactWebhook(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(set)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}
