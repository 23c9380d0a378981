package app

import "net/url"

// redactURL hides a password in a URL so it can be printed.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// RedactURL hides a password in a URL so it can be printed.
func RedactURL(raw string) string { return redactURL(raw) }
