package digest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"herald/stories"
	"herald/subscribers"
)

// FollowerStore is what instant alerts need from the subscriber store.
type FollowerStore interface {
	FollowersOf(ctx context.Context, slug string) ([]string, error)
	Get(ctx context.Context, id string) (*subscribers.Subscriber, error)
	MarkDue(ctx context.Context, id string, at time.Time) error
}

// Alerts makes instant subscribers due when a matching story lands. Email
// readers are due after Delay, so stories landing close together arrive in
// one message; Slack teams are due after SlackDelay (just past the runner's
// settle lag, so the story is inside the window) and get one message per
// story.
type Alerts struct {
	Subs       FollowerStore
	Delay      time.Duration // email batching window; default 10m
	SlackDelay time.Duration // default 5s
	Now        func() time.Time
}

// Ingested is called after a story was stored for the first time (an
// updated re-import must not alert again).
func (a *Alerts) Ingested(ctx context.Context, st *stories.Story) error {
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	delay := a.Delay
	if delay <= 0 {
		delay = 10 * time.Minute
	}
	seen := make(map[string]bool)
	for _, t := range st.Topics {
		ids, err := a.Subs.FollowersOf(ctx, t.Slug)
		if err != nil {
			return fmt.Errorf("digest: alerts for %s: %w", st.ID, err)
		}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			if err := a.markIfInstant(ctx, id, now, delay); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *Alerts) markIfInstant(ctx context.Context, id string, now time.Time, delay time.Duration) error {
	sub, err := a.Subs.Get(ctx, id)
	if errors.Is(err, subscribers.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("digest: alerts: %w", err)
	}
	if sub.Schedule != "instant" || sub.Status != subscribers.StatusActive {
		return nil
	}
	at := now.Add(a.SlackDelay)
	if a.SlackDelay <= 0 {
		at = now.Add(5 * time.Second)
	}
	if sub.Kind == subscribers.KindEmail {
		at = now.Add(delay)
	}
	return a.Subs.MarkDue(ctx, id, at)
}
