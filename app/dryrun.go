package app

import (
	"context"
	"fmt"
	"time"

	"herald/digest"
	"herald/subscribers"
)

// dryRunSettle is digest.Runner's default Settle: a real run's windows end
// this long before its claim, and a dry run's must end where its would.
const dryRunSettle = 2 * time.Second

// DryRunStats counts a dry run.
type DryRunStats struct {
	Due, Written, Empty int
}

// DryRun renders the digest of every subscriber due now and hands it to ch
// (an outbox folder), reading Redis only: no claim, lease, cursor, due time
// or delivery record is written, so the real dispatch after it sends the
// same messages. It pages through the subscribers rather than the due set,
// so it depends on no key layout but the store's own.
func (a *App) DryRun(ctx context.Context, ch digest.Channel) (DryRunStats, error) {
	var st DryRunStats
	now := a.Now()
	after := ""
	for {
		page, next, err := a.Subs.List(ctx, after, 500)
		if err != nil {
			return st, fmt.Errorf("dry run: %w", err)
		}
		for _, sub := range page {
			if err := a.dryRunOne(ctx, ch, sub, now, &st); err != nil {
				return st, err
			}
		}
		if next == "" {
			return st, nil
		}
		after = next
	}
}

func isDue(sub *subscribers.Subscriber, now time.Time) bool {
	return sub.Status == subscribers.StatusActive && !sub.NextDue.IsZero() && !sub.NextDue.After(now)
}

func (a *App) dryRunOne(ctx context.Context, ch digest.Channel, sub *subscribers.Subscriber, now time.Time, st *DryRunStats) error {
	if !isDue(sub, now) {
		return nil
	}
	st.Due++
	d, err := a.Builder.Build(ctx, sub, now.Add(-dryRunSettle))
	if err != nil {
		return fmt.Errorf("dry run: %s: %w", sub.ID, err)
	}
	if len(d.Items) == 0 {
		st.Empty++
		return nil
	}
	d.Slot = sub.NextDue
	msg, err := a.Composer.Compose(d, now)
	if err != nil {
		return fmt.Errorf("dry run: %s: %w", sub.ID, err)
	}
	if err := ch.Send(ctx, msg); err != nil {
		return fmt.Errorf("dry run: %s: %w", sub.ID, err)
	}
	st.Written++
	return nil
}
