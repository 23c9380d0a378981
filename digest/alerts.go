package digest

import (
	"context"
	"fmt"
	"time"

	"herald/stories"
	"herald/subscribers"
)

// FollowerStore is what instant alerts need from the subscriber store.
type FollowerStore interface {
	InstantFollowersOf(ctx context.Context, slugs []string) ([]subscribers.Follower, error)
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
	slugs := make([]string, len(st.Topics))
	for i, t := range st.Topics {
		slugs[i] = t.Slug
	}
	followers, err := a.Subs.InstantFollowersOf(ctx, slugs)
	if err != nil {
		return fmt.Errorf("digest: alerts for %s: %w", st.ID, err)
	}
	slackAt := now.Add(a.SlackDelay)
	if a.SlackDelay <= 0 {
		slackAt = now.Add(5 * time.Second)
	}
	for _, f := range followers {
		at := slackAt
		if f.Kind == subscribers.KindEmail {
			at = now.Add(delay)
		}
		if err := a.Subs.MarkDue(ctx, f.ID, at); err != nil {
			return fmt.Errorf("digest: alerts: %w", err)
		}
	}
	return nil
}
