package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/channels/email"
	"herald/channels/slack"
	"herald/digest"
	"herald/feeds"
	"herald/internal/egress"
	"herald/internal/health"
	"herald/internal/keyring"
	"herald/internal/operators"
	"herald/internal/reach"
	"herald/internal/redisstate"
	"herald/internal/webhooks"
	"herald/stories"
	"herald/subscribers"
	"herald/templates"
)

// App is Herald's parts, wired from a Config.
type App struct {
	Cfg       Config
	RDB       redis.UniversalClient
	Stories   *stories.Store
	Subs      *subscribers.Store
	Templates *templates.Set
	Log       *digest.RedisLog
	// Operators are the console's operators and their sessions.
	Operators *operators.Store
	Builder   *digest.Builder
	Composer  *digest.Composer
	Now       func() time.Time
	Logger    *slog.Logger
	// Health is every dependency's state, for /readyz and for holding
	// deliveries while a channel is down.
	Health *health.Registry
	// RelayBackoff paces the probes of a relay (or Slack) that is down.
	RelayBackoff health.Backoff
	// Keys sign reader links (Cfg.Secret) and check them (with
	// Cfg.SecretPrevious too).
	Keys *keyring.Ring
	// Webhooks is the policy a team's webhook URL must meet.
	Webhooks *egress.Hosts
	// DKIM signs every email; nil sends them unsigned.
	DKIM *email.DKIM
	// Events is the outbox of outgoing webhooks (events.go); EventHosts
	// the policy their endpoint URLs must meet.
	Events     *webhooks.Store
	EventHosts *egress.Hosts
	// Feeds are the registered feeds; FeedPoller polls them (feeds.go).
	Feeds      *feeds.Store
	FeedPoller *feeds.Poller
	// Reach counts where stories went (internal/reach); written at the
	// end of every run (RecordRun), every few seconds during one, and at
	// Close.
	Reach *reach.Tally

	empties emptyTally // empty digests by channel, until RecordRun writes them
	ownRDB  bool
}

// Options are what a caller may supply instead of the defaults: an existing
// Redis client (the demo's embedded one), a clock, a logger.
type Options struct {
	RDB    redis.UniversalClient
	Now    func() time.Time
	Logger *slog.Logger
	// DKIM signs emails instead of the key HERALD_DKIM_KEY_FILE names
	// (the demo's own).
	DKIM *email.DKIM
	// SkipLayoutCheck opens a store without checking its key layout (for
	// herald migrate, which converts it).
	SkipLayoutCheck bool
}

// New connects to Redis (unless given a client), loads the templates and
// builds the stores. A broken override template fails here, with its file
// and line.
func New(ctx context.Context, cfg Config, opts Options) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	hooks, err := slack.WebhookPolicy(cfg.SlackWebhookHosts)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	a := &App{Cfg: cfg, RDB: opts.RDB, Now: opts.Now, Logger: opts.Logger, Webhooks: hooks,
		Keys: keyring.New([]byte(cfg.Secret), cfg.PreviousSecrets()...), DKIM: opts.DKIM}
	if a.DKIM == nil {
		if a.DKIM, err = LoadDKIM(cfg); err != nil {
			return nil, err
		}
	}
	if a.Now == nil {
		a.Now = time.Now
	}
	if a.Logger == nil {
		a.Logger = slog.Default()
	}
	tpl, err := templates.Load(cfg.TemplatesDir, templates.Options{SiteURL: cfg.SiteURL, PostalAddress: cfg.PostalAddress, Breaking: cfg.BreakingWord,
		SlackFollow: cfg.SlackSigningSecret != ""})
	if err != nil {
		return nil, err
	}
	a.Templates = tpl
	if a.RDB == nil {
		if a.RDB, err = OpenRedis(ctx, cfg.RedisURL); err != nil {
			return nil, err
		}
		a.ownRDB = true
	}
	a.Health = health.New(a.Now)
	a.Health.Add("redis", health.Critical(), health.Probe(a.pingRedis))
	a.RelayBackoff = health.DefaultBackoff
	a.Stories = stories.NewStore(a.RDB, cfg.RedisPrefix, stories.Options{Now: a.Now, Retention: cfg.Retention})
	a.Subs = subscribers.NewStore(a.RDB, cfg.RedisPrefix, a.Now,
		subscribers.WithShards(cfg.RedisShards), subscribers.WithWait(cfg.WaitReplicas, cfg.WaitTimeout))
	a.Subs.SetFirstLookback(cfg.FirstLookback)
	a.Log = digest.NewRedisLog(a.RDB, cfg.RedisPrefix, 0, cfg.RedisShards)
	a.Operators = operators.New(a.RDB, cfg.RedisPrefix, a.Now)
	a.Reach = reach.New(a.Stories, a.Now, 0, a.Logger)
	if !opts.SkipLayoutCheck {
		if err := a.Subs.CheckLayout(ctx); err != nil {
			_ = a.Close()
			return nil, err
		}
	}
	if err := a.openEvents(); err != nil {
		_ = a.Close()
		return nil, fmt.Errorf("config: %w", err)
	}
	a.openFeeds()
	a.Builder = &digest.Builder{Stories: a.Stories}
	a.Composer = &digest.Composer{Renderer: a.Templates, Links: a.Links, Web: a.WebLink}
	return a, nil
}

// pingRedis is /readyz's Redis check: it answers (on a cluster: every slot
// is served).
func (a *App) pingRedis(ctx context.Context) error { return redisstate.Ready(ctx, a.RDB) }

// Close writes the counts still in memory (story reach) and releases the
// Redis connection if App opened it.
func (a *App) Close() error {
	if a.Reach != nil {
		if err := a.Reach.Flush(context.Background()); err != nil {
			a.Logger.Warn("story reach not written at close; lost", slog.Any("error", err))
		}
	}
	if a.ownRDB {
		return a.RDB.Close()
	}
	return nil
}

// linkLifetime is how long links in a message stay valid: a digest can sit
// in an inbox for months and its unsubscribe link must still work.
const linkLifetime = 365 * 24 * time.Hour

// Links signs the personal links of d's subscriber, and an unfollow link
// for each topic d's stories matched.
func (a *App) Links(d *digest.Digest) digest.Links {
	base, exp := strings.TrimRight(a.Cfg.BaseURL, "/"), a.Now().Add(linkLifetime)
	l := a.subscriberLinks(d.Subscriber, base, exp)
	if d.Subscriber.Kind != subscribers.KindEmail {
		return l
	}
	l.Unfollow = map[string]string{}
	for _, slug := range d.MatchedTopics() {
		l.Unfollow[slug] = a.signedLink(base, "/f/"+slug+"/", d.Subscriber, subscribers.ActionUnfollow(slug), exp)
	}
	return l
}

// SubscriberLinks signs the subscriber's personal links.
func (a *App) SubscriberLinks(sub *subscribers.Subscriber) digest.Links {
	return a.subscriberLinks(sub, strings.TrimRight(a.Cfg.BaseURL, "/"), a.Now().Add(linkLifetime))
}

// subscriberLinks signs sub's links under base, valid until exp.
func (a *App) subscriberLinks(sub *subscribers.Subscriber, base string, exp time.Time) digest.Links {
	l := digest.Links{
		Site:        a.Cfg.SiteURL,
		Unsubscribe: a.signedLink(base, "/u/", sub, subscribers.ActionUnsubscribe, exp),
		Preferences: a.signedLink(base, "/p/", sub, subscribers.ActionPreferences, exp),
	}
	if a.Cfg.UnsubMailto != "" {
		l.Mailto = "mailto:" + a.Cfg.UnsubMailto + "?subject=unsubscribe%20" + sub.ID
	}
	return l
}

// signedLink is base + path + sub's token for action until exp, built in
// one allocation (an email carries several).
func (a *App) signedLink(base, path string, sub *subscribers.Subscriber, action string, exp time.Time) string {
	var buf [384]byte
	b := append(append(buf[:0], base...), path...)
	return string(subscribers.AppendToken(b, a.Keys, sub, action, exp))
}

// Runner returns a dispatch runner delivering through channels.
func (a *App) Runner(channels map[subscribers.Kind]digest.Channel) *digest.Runner {
	return &digest.Runner{
		Subscribers:     a.Subs,
		Builder:         a.Builder,
		Composer:        a.Composer,
		Channels:        channels,
		Recorder:        eventLog{a.Log, a},
		Now:             a.Now,
		Logger:          a.Logger,
		Lease:           a.Cfg.Lease,
		BatchSize:       a.Cfg.BatchSize,
		Workers:         a.Cfg.Workers,
		BounceThreshold: a.Cfg.BounceThreshold,
		RetryDelay:      a.Cfg.RetryDelay,
		MaxAttempts:     a.Cfg.MaxAttempts,
	}
}

// Preview builds the digest sub would get if it were dispatched now,
// without claiming it or moving its cursor.
func (a *App) Preview(ctx context.Context, idOrEmail string) (*digest.Message, *digest.Digest, error) {
	sub, err := a.FindSubscriber(ctx, idOrEmail)
	if err != nil {
		return nil, nil, err
	}
	now := a.Now()
	d, err := a.Builder.Build(ctx, sub, now)
	if err != nil {
		return nil, nil, err
	}
	d.Slot = now
	msg, err := a.Composer.Compose(d, now)
	return msg, d, err
}

// FindSubscriber looks a subscriber up by id or email address.
func (a *App) FindSubscriber(ctx context.Context, idOrEmail string) (*subscribers.Subscriber, error) {
	if strings.Contains(idOrEmail, "@") {
		return a.Subs.GetByEmail(ctx, idOrEmail)
	}
	sub, err := a.Subs.Get(ctx, idOrEmail)
	if errors.Is(err, subscribers.ErrNotFound) {
		return nil, fmt.Errorf("subscriber %q not found", idOrEmail)
	}
	return sub, err
}
