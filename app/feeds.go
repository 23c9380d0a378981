package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"herald/feeds"
	"herald/internal/egress"
	"herald/internal/health"
)

// validateFeeds checks the feed settings.
func (c *Config) validateFeeds() []error {
	var errs []error
	if c.FeedTimeout <= 0 || c.FeedMaxBytes < 1024 {
		errs = append(errs, errors.New("config: feed-timeout must be positive and feed-max-bytes at least 1024"))
	}
	if _, err := cron.ParseStandard(c.FeedCheck); err != nil {
		errs = append(errs, fmt.Errorf("config: feed-check %q: %w", c.FeedCheck, err))
	}
	if _, err := egress.Parse(nil, c.FeedHosts, "HERALD_FEED_HOSTS"); err != nil {
		errs = append(errs, fmt.Errorf("config: %w", err))
	}
	return errs
}

// openFeeds builds the feed store and poller, and the "feeds" health
// check: a failing feed makes /readyz degraded, never unavailable.
func (a *App) openFeeds() {
	hosts, _ := egress.Parse(nil, a.Cfg.FeedHosts, "HERALD_FEED_HOSTS") // checked by Validate
	a.Feeds = feeds.NewStore(a.RDB, a.Cfg.RedisPrefix)
	a.FeedPoller = &feeds.Poller{
		Store:   a.Feeds,
		Fetch:   feeds.NewFetcher(hosts, a.Cfg.FeedTimeout, int64(a.Cfg.FeedMaxBytes), "Herald feed poller"),
		Ingest:  a.Ingest,
		Stories: a.Stories,
		Now:     a.Now,
		Logger:  a.Logger,
		Lease:   a.Cfg.FeedTimeout + time.Minute,
	}
	a.Health.Add("feeds", health.Probe(a.feedHealth))
}

// feedHealth fails, naming them, while any feed's last poll failed.
func (a *App) feedHealth(ctx context.Context) error {
	list, err := a.Feeds.List(ctx)
	if err != nil {
		return err
	}
	var broken []string
	for _, f := range list {
		if !f.Status.OK() {
			broken = append(broken, fmt.Sprintf("%s (%s): %s", f.ID, f.URL, f.Status.LastError))
		}
	}
	if len(broken) == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d feeds failing: %s", len(broken), len(list), strings.Join(broken, "; "))
}

// pollFeeds is serve's job: poll the feeds that are due. A failing feed
// is in its status (and logged by the poller); only the store's failure
// fails the job.
func (a *App) pollFeeds(ctx context.Context) error {
	out, err := a.FeedPoller.PollDue(ctx)
	for _, o := range out {
		if o.New > 0 {
			a.Logger.Info("feed polled", slog.String("feed", o.Feed), slog.Int("new", o.New), slog.Int("updated", o.Updated))
		}
	}
	return err
}

// FeedAdmin is what the admin API does with feeds: the store's add, list
// and remove, and a poll of every feed now.
type FeedAdmin struct{ a *App }

// FeedAdmin returns the app's feed administration.
func (a *App) FeedAdmin() FeedAdmin { return FeedAdmin{a} }

// Add registers or updates a feed.
func (f FeedAdmin) Add(ctx context.Context, feed *feeds.Feed) (bool, error) {
	return f.a.Feeds.Add(ctx, feed)
}

// List reads every feed with its status.
func (f FeedAdmin) List(ctx context.Context) ([]*feeds.Feed, error) { return f.a.Feeds.List(ctx) }

// Remove stops polling a feed.
func (f FeedAdmin) Remove(ctx context.Context, id string) error { return f.a.Feeds.Remove(ctx, id) }

// PollAll polls every feed now.
func (f FeedAdmin) PollAll(ctx context.Context) ([]feeds.Outcome, error) {
	return f.a.FeedPoller.PollAll(ctx)
}
