package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"herald/digest"
	"herald/internal/egress"
)

// transientAPIErrors are Slack API error strings worth retrying; every other
// API error (channel_not_found, not_in_channel, invalid_auth, is_archived,
// ...) is permanent.
var transientAPIErrors = map[string]bool{
	"ratelimited":         true,
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
}

// authAPIErrors are Slack API errors that say the bot token does not work:
// a channel-level failure (every team posting by channel ID is held), never
// the team's.
var authAPIErrors = map[string]bool{
	"not_authed":                true,
	"invalid_auth":              true,
	"token_revoked":             true,
	"token_expired":             true,
	"account_inactive":          true,
	"no_permission":             true,
	"missing_scope":             true,
	"not_allowed_token_type":    true,
	"team_access_not_granted":   true,
	"org_login_required":        true,
	"ekm_access_denied":         true,
	"two_factor_setup_required": true,
}

// attempt posts p once and classifies the outcome; nil means accepted.
// It returns the posted message's ts (none for a webhook).
func (s *Sender) attempt(ctx context.Context, dest destination, p payload, thread string) (string, *digest.SendError) {
	if dest.webhook != "" {
		return "", s.postWebhook(ctx, dest.webhook, p)
	}
	_, ts, err := s.api.PostMessageContext(ctx, dest.channel, p.options(thread)...)
	if err != nil {
		return "", apiDown(classifyAPI(err))
	}
	return ts, nil
}

// apiDown marks a Web API failure channel-level when it says the token does
// not work or Slack itself cannot be reached (no answer, or a 5xx).
func apiDown(se *digest.SendError) *digest.SendError {
	if authAPIErrors[se.Reason] || se.Reason == "transport" || se.Code >= 500 {
		se.Channel, se.Temporary = true, true
	}
	return se
}

// classifyAPI sorts an error from slack-go's chat.postMessage.
func classifyAPI(err error) *digest.SendError {
	var limited *slack.RateLimitedError
	var status slack.StatusCodeError
	var api slack.SlackErrorResponse
	switch {
	case errors.As(err, &limited):
		return classifyStatus(http.StatusTooManyRequests, "", limited.RetryAfter, err)
	case errors.As(err, &status):
		return classifyStatus(status.Code, "", 0, err)
	case errors.As(err, &api):
		return &digest.SendError{Temporary: transientAPIErrors[api.Err], Reason: api.Err, Err: err}
	default:
		return transportError(err)
	}
}

// classifyStatus sorts a non-2xx HTTP answer: 429, 408 and 5xx are
// temporary, the rest permanent.
func classifyStatus(code int, reason string, retryAfter time.Duration, err error) *digest.SendError {
	if reason == "" {
		reason = "http_" + strconv.Itoa(code)
	}
	temporary := code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500
	return &digest.SendError{Temporary: temporary, Code: code, Reason: reason, RetryAfter: retryAfter, Err: err}
}

// transportError is a request that got no answer: a timeout, a refused or
// lost connection. It is temporary; URLs are cut from it.
func transportError(err error) *digest.SendError {
	return &digest.SendError{Temporary: true, Reason: "transport", Err: redact(err)}
}

// postWebhook posts p's body to an incoming webhook. The URL is a secret;
// it never reaches an error.
func (s *Sender) postWebhook(ctx context.Context, url string, p payload) *digest.SendError {
	if err := s.cfg.Webhooks.CheckURL(url); err != nil {
		return &digest.SendError{Reason: "webhook_not_allowed", Err: fmt.Errorf("webhook URL refused: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(p.webhookBody))
	if err != nil {
		return &digest.SendError{Reason: "invalid_webhook_url", Err: errors.New("invalid webhook URL")}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hooks.Do(req)
	if errors.Is(err, egress.ErrRefused) {
		return &digest.SendError{Reason: "webhook_not_allowed", Err: redact(err)}
	}
	if err != nil {
		return transportError(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode/100 == 2 { // a 3xx is not followed: it fails as a 4xx does
		return nil
	}
	reason := webhookReason(body)
	err = fmt.Errorf("webhook answered %d %s", resp.StatusCode, cmpOr(reason, http.StatusText(resp.StatusCode)))
	return classifyStatus(resp.StatusCode, reason, retryAfter(resp.Header), err)
}

// errorWord matches the one-word answers of a webhook (no_service,
// channel_is_archived, invalid_payload ...).
var errorWord = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// webhookReason is the webhook's one-word answer, or "" for anything else.
func webhookReason(body []byte) string {
	word := strings.TrimSpace(string(body))
	if errorWord.MatchString(word) {
		return word
	}
	return ""
}

// retryAfter reads a Retry-After header given in seconds; 0 when absent or
// unreadable.
func retryAfter(h http.Header) time.Duration {
	secs, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || secs < 0 {
		return 0
	}
	return time.Duration(secs) * time.Second
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
