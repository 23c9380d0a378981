// Package slack delivers digests to Slack: to a channel with a bot token
// (chat.postMessage through slack-go) or to an incoming webhook. It paces
// posts to about one a second per destination, honours Retry-After on 429,
// retries 5xx and network failures with backoff, and classifies Slack's
// answers into digest.Temporary and digest.Permanent failures.
//
// The bot token and webhook URLs are secrets: they never appear in a log line
// or in a returned error.
package slack

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"herald/digest"
	"herald/internal/egress"
)

// DefaultAPIURL is Slack's Web API base URL.
const DefaultAPIURL = "https://slack.com/api/"

// Defaults applied by New to zero Config fields.
const (
	DefaultTimeout            = 10 * time.Second
	DefaultPerChannelInterval = time.Second
	DefaultMaxRetries         = 5
)

// Config configures a Sender. Zero fields take the defaults above.
type Config struct {
	// Token is the bot token (xoxb-...), a secret. Needed only for
	// destinations given as a channel ID.
	Token string
	// APIURL is the Web API base URL, DefaultAPIURL when empty; tests point
	// it at an httptest server. A trailing "/" is added when missing.
	APIURL string
	// HTTPClient does every Web API request; default: a client with a 10s
	// timeout that follows no redirect.
	HTTPClient *http.Client
	// Webhooks is the policy incoming-webhook URLs must meet, checked again
	// at every post (and on the dialled address); default: Slack's hosts
	// only (WebhookPolicy("")). Webhook posts never follow a redirect.
	Webhooks *egress.Hosts
	// PerChannelInterval is the least time between two posts to one
	// destination (channel or webhook); 0 means 1s, negative disables pacing.
	PerChannelInterval time.Duration
	// MaxRetries is how many times one payload is retried after a temporary
	// failure (429, 5xx, timeout, connection error); 0 means 5, negative
	// means no retries.
	MaxRetries int
	// Backoff is the wait before retry attempt n (1-based) when the remote
	// side gave no Retry-After; default: 1s doubling, at most 30s.
	Backoff func(attempt int) time.Duration
	// Sleep waits for d or until ctx ends; default: a timer. Tests inject it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Sender posts digest messages to Slack. It is safe for concurrent use;
// senders to different destinations do not wait on each other.
type Sender struct {
	cfg    Config
	hooks  *http.Client // for webhook posts: the policy's guarded client
	log    *slog.Logger
	api    *slack.Client
	pace   *pacer
	resume *resumeLog
}

var _ digest.Channel = (*Sender)(nil)

// New returns a Sender for cfg with defaults applied. A nil logger discards.
func New(cfg Config, logger *slog.Logger) *Sender {
	cfg = withDefaults(cfg)
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	api := slack.New(cfg.Token,
		slack.OptionAPIURL(cfg.APIURL),
		slack.OptionHTTPClient(bearerClient{client: cfg.HTTPClient, token: cfg.Token}))
	return &Sender{
		cfg:    cfg,
		hooks:  cfg.Webhooks.Client(cmp.Or(cfg.HTTPClient.Timeout, DefaultTimeout)),
		log:    logger,
		api:    api,
		pace:   newPacer(max(cfg.PerChannelInterval, 0), cfg.Now),
		resume: newResumeLog(cfg.Now),
	}
}

func withDefaults(cfg Config) Config {
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: DefaultTimeout, CheckRedirect: egress.NoRedirect}
	}
	if cfg.Webhooks == nil {
		cfg.Webhooks, _ = WebhookPolicy("")
	}
	if cfg.PerChannelInterval == 0 {
		cfg.PerChannelInterval = DefaultPerChannelInterval
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	cfg.MaxRetries = max(cfg.MaxRetries, 0)
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// WebhookHosts are the hosts of Slack's incoming webhooks, accepted by
// default (https, port 443).
var WebhookHosts = []string{"hooks.slack.com", "hooks.slack-gov.com"}

// WebhookPolicy is the webhook host policy: WebhookHosts, and the
// comma-separated host[:port] allow-list of HERALD_SLACK_WEBHOOK_HOSTS.
func WebhookPolicy(allowList string) (*egress.Hosts, error) {
	return egress.Parse(WebhookHosts, allowList, "HERALD_SLACK_WEBHOOK_HOSTS")
}

// DefaultBackoff waits 1s before the first retry, doubling up to 30s.
func DefaultBackoff(attempt int) time.Duration {
	const ceiling = 30 * time.Second
	if attempt < 1 {
		attempt = 1
	}
	if attempt > 6 {
		return ceiling
	}
	return min(time.Second<<(attempt-1), ceiling)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
