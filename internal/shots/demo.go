package shots

import (
	"context"
	"fmt"
	"os"
	"regexp"

	"herald/channels/outbox"
)

// webLinkRE finds a message's "view in browser" link and its token.
var webLinkRE = regexp.MustCompile(`href="[^"]*/m/([A-Za-z0-9_.-]+)"[^>]*>View in browser<`)

// Demo writes the screenshots of the email in the .eml file eml and of its
// web version, which webVersion renders from the link's token, into dir.
func Demo(ctx context.Context, dir, eml string, webVersion func(ctx context.Context, token string) ([]byte, error)) ([]string, error) {
	raw, err := os.ReadFile(eml)
	if err != nil {
		return nil, fmt.Errorf("shots: %w", err)
	}
	html, err := outbox.HTMLPart(raw)
	if err != nil {
		return nil, fmt.Errorf("shots: %s: no HTML part: %w", eml, err)
	}
	m := webLinkRE.FindSubmatch(html)
	if m == nil {
		return nil, fmt.Errorf("shots: %s has no view-in-browser link", eml)
	}
	web, err := webVersion(ctx, string(m[1]))
	if err != nil {
		return nil, fmt.Errorf("shots: web version: %w", err)
	}
	return Write(Chromium, dir, html, web)
}
