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
	EachInstantFollower(ctx context.Context, slugs []string, fn func([]subscribers.Follower) error) error
	MarkDueMany(ctx context.Context, ids []string, at time.Time) error
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
// updated re-import must not alert again). Followers are read and marked a
// page at a time (see subscribers.Store.EachInstantFollower).
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
	slackAt := now.Add(a.SlackDelay)
	if a.SlackDelay <= 0 {
		slackAt = now.Add(5 * time.Second)
	}
	err := a.Subs.EachInstantFollower(ctx, slugs, func(page []subscribers.Follower) error {
		var email, slack []string
		for _, f := range page {
			if f.Kind == subscribers.KindEmail {
				email = append(email, f.ID)
			} else {
				slack = append(slack, f.ID)
			}
		}
		return errors.Join(a.mark(ctx, email, now.Add(delay)), a.mark(ctx, slack, slackAt))
	})
	if err != nil {
		return fmt.Errorf("digest: alerts for %s: %w", st.ID, err)
	}
	return nil
}

func (a *Alerts) mark(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return a.Subs.MarkDueMany(ctx, ids, at)
}
