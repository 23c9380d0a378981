// Package app wires Herald together: configuration from HERALD_* variables
// and flags, the Redis connection, the stores, templates, channels, the
// dispatch runner and scheduler. cmd/herald only parses and hands off here.
package app

import (
	"errors"
	"fmt"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"herald/feeds"
	"herald/internal/shard"
)

// Config is every setting Herald reads. Each field has a flag and an
// environment variable (HERALD_...); flags win. Secrets also take a _FILE
// variant naming a file that holds the value.
type Config struct {
	RedisURL     string // secret: may carry a password
	RedisPrefix  string
	RedisShards  int           // shards of each hot key (due set, lists, log)
	WaitReplicas int           // replicas that must acknowledge lease and cursor writes
	WaitTimeout  time.Duration // how long one WAIT for them may take
	SMTPURL      string        // secret: may carry a password
	From         string
	SlackToken   string // secret
	SlackAPIURL  string // Slack Web API base URL; empty: Slack's own
	// SlackSigningSecret (secret) turns the Slack app on: /slack/commands,
	// /slack/interactions and the "Follow" buttons; it checks each request.
	SlackSigningSecret string
	// SlackWebhookHosts are host[:port] entries, comma-separated, that
	// webhook URLs may name besides Slack's own (proxies, test doubles).
	SlackWebhookHosts string
	// WebhookHosts are the host[:port] entries, comma-separated, that an
	// outgoing webhook endpoint's URL may name.
	WebhookHosts string
	HTTPAddr     string
	BaseURL      string // where Herald's own pages live, for links in messages
	SiteURL      string // the news site, for "and N more"
	APIToken     string // secret
	BounceToken  string // secret: opens POST /v1/bounces only
	BounceSecret string // secret: HMAC key of signed bounce reports
	AdminAddr    string // when set, /v1 and /metrics are served here only
	Secret       string // secret: HMAC key for reader links
	TemplatesDir string
	Outbox       string // when set, write messages here instead of sending
	UnsubMailto  string // mailto address for List-Unsubscribe, "" for none
	// DKIM: the private key's file (empty: messages go unsigned), its
	// selector, and the signing domain (empty: the From address's).
	DKIMKeyFile  string
	DKIMSelector string
	DKIMDomain   string
	DNSServer    string // host:port herald doctor asks; empty: the system's resolver

	// SecretPrevious (secret) is a comma-separated list of former Secrets,
	// still accepted on links and forms, never used to sign: key rotation.
	SecretPrevious string

	Tick            string
	Workers         int
	BatchSize       int
	SMTPPool        int
	SMTPRate        float64
	Lease           time.Duration
	Retention       time.Duration
	RetryDelay      time.Duration
	MaxAttempts     int
	InstantDelay    time.Duration
	BounceThreshold int
	ShutdownGrace   time.Duration
	LogLevel        string

	// Hardening: the HTTP server's limits.
	HTTPReadTimeout  time.Duration // a whole request, body included
	HTTPWriteTimeout time.Duration // a response (POST /v1/dispatch is exempt)
	HTTPIdleTimeout  time.Duration // a keep-alive connection between requests
	HTTPMaxHeader    int           // bytes of request headers
	HTTPMaxConns     int           // connections open at once
	// Hardening: public sign-up and the per-client limits.
	Signup         bool          // serve the public /signup form
	SignupExpiry   time.Duration // an unconfirmed sign-up is removed after it
	SignupCooldown time.Duration // at most one confirmation email an address per cooldown
	SignupLimit    int           // sign-up posts per client per SignupWindow
	SignupWindow   time.Duration
	AuthLimit      int // failed /v1 bearer tokens per client per AuthWindow
	AuthWindow     time.Duration
	// The digest's sender details.
	PostalAddress string // shown in every email's footer (CAN-SPAM); warned about when unset
	BreakingWord  string // an instant alert's subject starts with it: "Breaking: …"
	// The operator's defaults (cmd/herald).
	FirstLookback time.Duration // how far a new subscriber's first digest reaches back
	// Feeds in (package feeds).
	FeedHosts    string        // host[:port] list feeds may reach on internal addresses
	FeedTimeout  time.Duration // one fetch, body included
	FeedMaxBytes int           // largest feed document
	FeedCheck    string        // cron spec: how often serve looks for due feeds
}

// DefaultConfig is the configuration before flags and environment.
func DefaultConfig() Config {
	return Config{
		RedisURL:        "redis://127.0.0.1:6379/0",
		RedisPrefix:     "herald:",
		RedisShards:     shard.DefaultCount,
		WaitTimeout:     time.Second,
		SMTPURL:         "smtp://127.0.0.1:1025?tls=none",
		From:            "Herald <herald@localhost>",
		HTTPAddr:        "127.0.0.1:8080",
		BaseURL:         "http://127.0.0.1:8080",
		SiteURL:         "https://news.example.com",
		Tick:            "@every 10s",
		Workers:         8,
		BatchSize:       200,
		SMTPPool:        8,
		Lease:           5 * time.Minute,
		Retention:       30 * 24 * time.Hour,
		RetryDelay:      5 * time.Minute,
		MaxAttempts:     5,
		InstantDelay:    10 * time.Minute,
		BounceThreshold: 1,
		ShutdownGrace:   30 * time.Second,
		LogLevel:        "info",
		FirstLookback:   24 * time.Hour,

		HTTPReadTimeout:  30 * time.Second,
		HTTPWriteTimeout: 60 * time.Second,
		HTTPIdleTimeout:  60 * time.Second,
		HTTPMaxHeader:    16 << 10,
		HTTPMaxConns:     1024,
		SignupExpiry:     7 * 24 * time.Hour,
		SignupCooldown:   time.Hour,
		SignupLimit:      10,
		SignupWindow:     time.Hour,
		AuthLimit:        10,
		AuthWindow:       15 * time.Minute,
		BreakingWord:     "Breaking",
		DKIMSelector:     "herald",
		FeedTimeout:      feeds.DefaultTimeout,
		FeedMaxBytes:     feeds.DefaultMaxBytes,
		FeedCheck:        "@every 30s",
	}
}

// setting describes one Config field for flags and environment.
type setting struct {
	name   string // flag name; env is HERALD_ + upper snake
	usage  string
	secret bool
	str    *string
	num    *int
	float  *float64
	dur    *time.Duration
	flag   *bool
}

func (c *Config) settings() []setting {
	return []setting{
		{name: "redis-url", usage: "Redis URL: redis://host:port/db, a cluster redis://h1:p1?addr=h2:p2, a Sentinel primary redis://s1:p1?master_name=M", str: &c.RedisURL, secret: true},
		{name: "redis-prefix", usage: "prefix of every Redis key (no { or })", str: &c.RedisPrefix},
		{name: "redis-shards", usage: "shards of the due set, subscriber list, suppression list and delivery log (same in every process)", num: &c.RedisShards},
		{name: "redis-wait-replicas", usage: "replicas that must acknowledge lease and cursor writes before a send (0: do not wait)", num: &c.WaitReplicas},
		{name: "redis-wait-timeout", usage: "longest wait for those acknowledgements before sending pauses", dur: &c.WaitTimeout},
		{name: "smtp-url", usage: "SMTP server (smtp://user:pass@host:port?tls=none|starttls|tls)", str: &c.SMTPURL, secret: true},
		{name: "from", usage: "From address of digests", str: &c.From},
		{name: "slack-token", usage: "Slack bot token (chat:write)", str: &c.SlackToken, secret: true},
		{name: "slack-signing-secret", usage: "the Slack app's signing secret: turns on /slack/commands, /slack/interactions and Follow buttons", str: &c.SlackSigningSecret, secret: true},
		{name: "slack-api-url", usage: "Slack Web API base URL (empty: https://slack.com/api/; for tests and proxies)", str: &c.SlackAPIURL},
		{name: "slack-webhook-hosts", usage: "comma-separated host[:port] list webhook URLs may name besides hooks.slack.com and hooks.slack-gov.com (proxies, test doubles)", str: &c.SlackWebhookHosts},
		{name: "webhook-hosts", usage: "comma-separated host[:port] list outgoing webhook endpoints (herald webhooks add) may name", str: &c.WebhookHosts},
		{name: "http-addr", usage: "HTTP listen address", str: &c.HTTPAddr},
		{name: "admin-addr", usage: "listen address of the admin API and /metrics (empty: HERALD_HTTP_ADDR serves them)", str: &c.AdminAddr},
		{name: "base-url", usage: "public URL of Herald's pages, for links in messages", str: &c.BaseURL},
		{name: "site-url", usage: "the news site's URL", str: &c.SiteURL},
		{name: "api-token", usage: "bearer token of the admin API", str: &c.APIToken, secret: true},
		{name: "bounce-token", usage: "bearer token that opens POST /v1/bounces only", str: &c.BounceToken, secret: true},
		{name: "bounce-secret", usage: "HMAC-SHA256 key of signed bounce reports (X-Herald-Signature)", str: &c.BounceSecret, secret: true},
		{name: "secret", usage: "HMAC key for signed reader links", str: &c.Secret, secret: true},
		{name: "secret-previous", usage: "former HMAC keys, comma-separated: links and forms they signed are still accepted, nothing new is signed with them (key rotation)", str: &c.SecretPrevious, secret: true},
		{name: "templates", usage: "directory of template overrides", str: &c.TemplatesDir},
		{name: "outbox", usage: "the outbox channel: deliver to files in this directory instead of SMTP and Slack; it consumes each window as a send does (to look without consuming: run --once --dry-run)", str: &c.Outbox},
		{name: "unsubscribe-mailto", usage: "mailto address for List-Unsubscribe (empty: none)", str: &c.UnsubMailto},
		{name: "dkim-key-file", usage: "PEM private key (RSA PKCS#1 or PKCS#8, Ed25519 PKCS#8) that DKIM-signs every email (empty: unsigned)", str: &c.DKIMKeyFile},
		{name: "dkim-selector", usage: "DKIM selector: the key's record is SELECTOR._domainkey.DOMAIN", str: &c.DKIMSelector},
		{name: "dkim-domain", usage: "DKIM signing domain (empty: the From address's domain)", str: &c.DKIMDomain},
		{name: "dns-server", usage: "host:port of the DNS server herald doctor asks, for testing and split DNS (empty: the system's resolver)", str: &c.DNSServer},
		{name: "tick", usage: "dispatch tick (cron spec)", str: &c.Tick},
		{name: "workers", usage: "concurrent sends", num: &c.Workers},
		{name: "batch-size", usage: "subscribers claimed per batch", num: &c.BatchSize},
		{name: "smtp-pool", usage: "SMTP connections kept open", num: &c.SMTPPool},
		{name: "smtp-rate", usage: "SMTP messages per second (0: no limit)", float: &c.SMTPRate},
		{name: "lease", usage: "how long a claim is held", dur: &c.Lease},
		{name: "retention", usage: "how long stories are kept", dur: &c.Retention},
		{name: "retry-delay", usage: "first wait after a temporary failure (doubles, with jitter)", dur: &c.RetryDelay},
		{name: "max-attempts", usage: "temporary failures at one window before it waits for the next digest", num: &c.MaxAttempts},
		{name: "instant-delay", usage: "email instant alerts batch stories landing within this window", dur: &c.InstantDelay},
		{name: "bounce-threshold", usage: "hard bounces before an address is suppressed", num: &c.BounceThreshold},
		{name: "shutdown-grace", usage: "time for in-flight sends at shutdown", dur: &c.ShutdownGrace},
		{name: "log-level", usage: "debug, info, warn or error", str: &c.LogLevel},

		{name: "http-read-timeout", usage: "longest time to read one request, body included", dur: &c.HTTPReadTimeout},
		{name: "http-write-timeout", usage: "longest time to write one response (POST /v1/dispatch exempt)", dur: &c.HTTPWriteTimeout},
		{name: "http-idle-timeout", usage: "how long an idle keep-alive connection is kept", dur: &c.HTTPIdleTimeout},
		{name: "http-max-header-bytes", usage: "largest request header block", num: &c.HTTPMaxHeader},
		{name: "http-max-conns", usage: "most HTTP connections open at once", num: &c.HTTPMaxConns},
		{name: "signup", usage: "serve the public sign-up form at /signup (true or false; needs an email channel)", flag: &c.Signup},
		{name: "signup-expiry", usage: "an unconfirmed sign-up (a pending subscriber) is removed after this long", dur: &c.SignupExpiry},
		{name: "signup-cooldown", usage: "after a confirmation email to an address, sign-ups for it send nothing for this long", dur: &c.SignupCooldown},
		{name: "signup-limit", usage: "sign-up form posts one client (IP address, IPv6 /64) may make per signup-window; more are answered 429", num: &c.SignupLimit},
		{name: "signup-window", usage: "the window of signup-limit", dur: &c.SignupWindow},
		{name: "auth-limit", usage: "wrong or missing admin API tokens one client may send per auth-window; then /v1 answers it 429", num: &c.AuthLimit},
		{name: "auth-window", usage: "the window of auth-limit", dur: &c.AuthWindow},
		{name: "postal-address", usage: "the sender's postal address, shown in every email's footer", str: &c.PostalAddress},
		{name: "breaking-word", usage: "the word an instant alert's subject starts with (Breaking: …)", str: &c.BreakingWord},
		{name: "feed-hosts", usage: "comma-separated host[:port] list feeds may fetch from on loopback, private or link-local addresses (an intranet feed, a test server); any other such address is refused", str: &c.FeedHosts},
		{name: "feed-timeout", usage: "longest time one feed fetch may take, body included", dur: &c.FeedTimeout},
		{name: "feed-max-bytes", usage: "largest feed document fetched; a bigger one is refused and shown in the feed's status", num: &c.FeedMaxBytes},
		{name: "feed-check", usage: "how often serve looks for feeds due a poll (cron spec); each feed keeps its own interval", str: &c.FeedCheck},
		{name: "first-lookback", usage: "a new subscriber's first digest holds stories ingested this long before sign-up (0: from sign-up)", dur: &c.FirstLookback},
	}
}

// EnvName is the environment variable of a flag.
func EnvName(flagName string) string {
	return "HERALD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// LoadEnv applies HERALD_* variables (and NAME_FILE for secrets) over c.
func (c *Config) LoadEnv(getenv func(string) string) error {
	for _, s := range c.settings() {
		env := EnvName(s.name)
		v := strings.TrimSpace(getenv(env)) // as a _FILE value is: a stray space must not lock the API
		if s.secret && v == "" {
			if path := getenv(env + "_FILE"); path != "" {
				b, err := os.ReadFile(path)
				if err != nil {
					return fmt.Errorf("config: %s_FILE: %w", env, err)
				}
				v = strings.TrimSpace(string(b))
			}
		}
		if v == "" {
			continue
		}
		if err := s.set(v); err != nil {
			return fmt.Errorf("config: %s: %w", env, err)
		}
	}
	return nil
}

// RegisterFlags adds a flag per setting to fs. Apply LoadEnv after parsing,
// skipping the flags given (see LoadEnv), so flags win.
func (c *Config) RegisterFlags(fs *pflag.FlagSet) {
	for _, s := range c.settings() {
		usage := s.usage + " (" + EnvName(s.name) + ")"
		switch {
		case s.str != nil:
			fs.StringVar(s.str, s.name, *s.str, usage)
		case s.num != nil:
			fs.IntVar(s.num, s.name, *s.num, usage)
		case s.float != nil:
			fs.Float64Var(s.float, s.name, *s.float, usage)
		case s.dur != nil:
			fs.DurationVar(s.dur, s.name, *s.dur, usage)
		case s.flag != nil:
			fs.BoolVar(s.flag, s.name, *s.flag, usage)
		}
	}
}

func (s setting) set(v string) error {
	switch {
	case s.str != nil:
		*s.str = v
	case s.num != nil:
		n, err := strconv.Atoi(v)
		if err != nil {
			return err
		}
		*s.num = n
	case s.float != nil:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return err
		}
		*s.float = f
	case s.dur != nil:
		d, err := time.ParseDuration(v)
		if err != nil {
			return err
		}
		*s.dur = d
	case s.flag != nil:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q: want true or false", v)
		}
		*s.flag = b
	}
	return nil
}

// Validate checks what can be checked without reaching a server.
func (c *Config) Validate() error {
	var errs []error
	if _, err := mail.ParseAddress(c.From); err != nil {
		errs = append(errs, fmt.Errorf("config: from %q: %w", c.From, err))
	}
	if strings.ContainsAny(c.From, "\r\n") {
		errs = append(errs, errors.New("config: from: contains CR or LF"))
	}
	if c.Workers < 1 || c.BatchSize < 1 || c.SMTPPool < 1 {
		errs = append(errs, errors.New("config: workers, batch-size and smtp-pool must be at least 1"))
	}
	if strings.ContainsAny(c.RedisPrefix, "{}") {
		errs = append(errs, fmt.Errorf("config: redis-prefix %q: must not hold { or }: a hash tag in the prefix puts every key in one Redis Cluster slot", c.RedisPrefix))
	}
	if c.RedisShards < 1 || c.RedisShards > shard.MaxCount {
		errs = append(errs, fmt.Errorf("config: redis-shards %d: must be 1 to %d", c.RedisShards, shard.MaxCount))
	}
	if c.WaitReplicas < 0 || c.WaitTimeout <= 0 {
		errs = append(errs, errors.New("config: redis-wait-replicas must be 0 or more and redis-wait-timeout positive"))
	}
	if c.Lease < 5*time.Second {
		errs = append(errs, errors.New("config: lease must be at least 5s, and longer than any send"))
	}
	if c.FirstLookback < 0 {
		errs = append(errs, errors.New("config: first-lookback must not be negative"))
	}
	if c.HTTPReadTimeout <= 0 || c.HTTPWriteTimeout <= 0 || c.HTTPIdleTimeout <= 0 || c.HTTPMaxHeader < 1024 || c.HTTPMaxConns < 1 {
		errs = append(errs, errors.New("config: http-read-timeout, http-write-timeout and http-idle-timeout must be positive, http-max-header-bytes at least 1024, http-max-conns at least 1"))
	}
	errs = append(errs, c.validateLimits()...)
	errs = append(errs, c.validateFeeds()...)
	if !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		errs = append(errs, fmt.Errorf("config: base-url %q: must be an http(s) URL", c.BaseURL))
	}
	return errors.Join(errs...)
}

// validateLimits checks the sign-up and token limits: a zero limit or
// window would turn a guard off.
func (c *Config) validateLimits() []error {
	var errs []error
	if c.SignupExpiry <= 0 || c.SignupCooldown <= 0 {
		errs = append(errs, errors.New("config: signup-expiry and signup-cooldown must be positive"))
	}
	if c.SignupLimit < 1 || c.SignupWindow <= 0 {
		errs = append(errs, fmt.Errorf("config: signup-limit %d per signup-window %v: the limit must be at least 1 and the window positive", c.SignupLimit, c.SignupWindow))
	}
	if c.AuthLimit < 1 || c.AuthWindow <= 0 {
		errs = append(errs, fmt.Errorf("config: auth-limit %d per auth-window %v: the limit must be at least 1 and the window positive", c.AuthLimit, c.AuthWindow))
	}
	return errs
}

// Least lengths of the secrets serve and run accept.
const (
	MinSecretBytes   = 32
	MinAPITokenChars = 24
)

// CheckSecrets refuses secrets too short to resist guessing, naming the
// variable: HERALD_SECRET, each key of HERALD_SECRET_PREVIOUS and
// HERALD_BOUNCE_SECRET and HERALD_SLACK_SIGNING_SECRET under 32 bytes, HERALD_API_TOKEN and
// HERALD_BOUNCE_TOKEN (when set) under 24 characters.
func (c *Config) CheckSecrets() error {
	var errs []error
	errs = append(errs, checkSecret("HERALD_SECRET", c.Secret, "use a long random value, e.g. 'openssl rand -hex 32'"))
	for i, s := range c.PreviousSecrets() {
		if len(s) < MinSecretBytes {
			errs = append(errs, fmt.Errorf("config: HERALD_SECRET_PREVIOUS: key %d of the list is %d bytes, need at least %d: every previous key was once a HERALD_SECRET", i+1, len(s), MinSecretBytes))
		}
	}
	errs = append(errs, checkToken("HERALD_API_TOKEN", c.APIToken), checkToken("HERALD_BOUNCE_TOKEN", c.BounceToken))
	errs = append(errs, checkSecret("HERALD_BOUNCE_SECRET", c.BounceSecret, "e.g. 'openssl rand -hex 32'"),
		checkSecret("HERALD_SLACK_SIGNING_SECRET", c.SlackSigningSecret, "copy the app's Signing Secret from api.slack.com/apps (Basic Information)"))
	if c.BounceToken != "" && c.BounceToken == c.APIToken {
		errs = append(errs, errors.New("config: HERALD_BOUNCE_TOKEN equals HERALD_API_TOKEN: the bounce webhook's token must be its own"))
	}
	return errors.Join(errs...)
}

// PreviousSecrets are the keys of SecretPrevious, each trimmed, empty ones
// left out.
func (c *Config) PreviousSecrets() [][]byte {
	var keys [][]byte
	for _, s := range strings.Split(c.SecretPrevious, ",") {
		if s = strings.TrimSpace(s); s != "" {
			keys = append(keys, []byte(s))
		}
	}
	return keys
}

// checkSecret refuses an HMAC key (when set) under MinSecretBytes; hint
// says how to make or find a good one.
func checkSecret(env, secret, hint string) error {
	if secret != "" && len(secret) < MinSecretBytes {
		return fmt.Errorf("config: %s is %d bytes, need at least %d: %s", env, len(secret), MinSecretBytes, hint)
	}
	return nil
}

// checkToken refuses a bearer token (when set) under MinAPITokenChars.
func checkToken(env, token string) error {
	if token != "" && len([]rune(token)) < MinAPITokenChars {
		return fmt.Errorf("config: %s is %d characters, need at least %d: e.g. 'openssl rand -hex 24'", env, len([]rune(token)), MinAPITokenChars)
	}
	return nil
}

// FromAddress is the parsed From.
func (c *Config) FromAddress() (name, addr string) {
	a, err := mail.ParseAddress(c.From)
	if err != nil {
		return "", c.From
	}
	return a.Name, a.Address
}
