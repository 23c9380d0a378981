package app

import (
	"context"
	"fmt"

	"herald/subscribers"
)

// Resume brings a subscriber of kind (by ID or email) that deliveries
// suspended (failing for Slack, bounced for email) or that was paused back
// to active: its bounce count and last error are cleared and it is due
// again at its next scheduled time, its cursor kept so no stories are
// skipped. It reports whether anything changed; an unsubscribed reader is
// refused: only the reader may undo that.
func (a *App) Resume(ctx context.Context, kind subscribers.Kind, idOrEmail string) (*subscribers.Subscriber, bool, error) {
	sub, err := a.FindSubscriber(ctx, idOrEmail)
	if err != nil {
		return nil, false, err
	}
	if sub.Kind != kind {
		return nil, false, fmt.Errorf("resume %s: is a %s subscription, not %s", sub.ID, sub.Kind, kind)
	}
	switch sub.Status {
	case subscribers.StatusActive:
		return sub, false, nil
	case subscribers.StatusFailing, subscribers.StatusBounced, subscribers.StatusPaused:
	default:
		return nil, false, fmt.Errorf("resume %s: status %s cannot be resumed by an operator", sub.ID, sub.Status)
	}
	sub.Status = subscribers.StatusActive
	if err := a.Subs.Update(ctx, sub); err != nil {
		return nil, false, fmt.Errorf("resume %s: %w", sub.ID, err)
	}
	return sub, true, nil
}
