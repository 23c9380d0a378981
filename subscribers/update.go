package subscribers

import (
	"context"
	"fmt"
	"time"

	"herald/internal/keylease"
)

// Update re-validates sub and stores its profile: email or Slack
// destination, name, time zone, schedule, max stories, status and topics.
// CreatedAt, Nonce, Cursor and (unless reactivated) Bounces and LastError are kept
// from the store, and sub is filled in with them. NextDue is recomputed from
// now when the schedule or time zone changed or the subscriber became
// active; a subscriber that is not active leaves the due set.
func (st *Store) Update(ctx context.Context, sub *Subscriber) error {
	if sub.ID == "" {
		return invalid("id", "required")
	}
	if err := sub.Validate(); err != nil {
		return err
	}
	old, err := st.Get(ctx, sub.ID)
	if err != nil {
		return err
	}
	if sub.Kind != old.Kind {
		return invalid("kind", "cannot change")
	}
	if sub.Status != old.Status || sub.Email != old.Email {
		if err := st.checkSuppressed(ctx, sub); err != nil {
			return fmt.Errorf("subscribers: update %s: %w", sub.ID, err)
		}
	}
	if err := st.update(ctx, old, sub); err != nil {
		return fmt.Errorf("subscribers: update %s: %w", sub.ID, err)
	}
	if sub.Status == StatusUnsubscribed && old.Status != StatusUnsubscribed {
		return st.suppressAfter(ctx, sub, "unsubscribed")
	}
	return nil
}

func (st *Store) update(ctx context.Context, old, sub *Subscriber) error {
	extra, setDue := st.carryOver(old, sub)
	now, wasPending := st.now(), old.Status == StatusPending
	extra = append(extra, pendingFields(sub, wasPending, now)...)
	oldDest, newDest := st.destKey(old), st.destKey(sub)
	if newDest != oldDest {
		if err := st.claimDest(ctx, newDest, sub.ID); err != nil {
			return err
		}
	}
	if err := st.writeProfile(ctx, sub, extra); err != nil {
		if newDest != oldDest {
			_ = keylease.Release(ctx, st.rdb, newDest, sub.ID)
		}
		return err
	}
	if newDest != oldDest {
		if err := casPersist.Run(ctx, st.rdb, []string{newDest}, sub.ID).Err(); err != nil {
			return err
		}
		if err := keylease.Release(ctx, st.rdb, oldDest, sub.ID); err != nil {
			return err
		}
	}
	if err := st.index(ctx, sub, followChange(old, sub), setDue); err != nil {
		return err
	}
	return st.trackPending(ctx, sub, wasPending, now)
}

// followChange is how the follower index changes from old to sub.
func followChange(old, sub *Subscriber) follows {
	var f follows
	f.added, f.removed = diffSorted(old.Topics, sub.Topics)
	was, is := isInstant(old.Schedule), isInstant(sub.Schedule)
	if was != is {
		f.kept = intersect(old.Topics, sub.Topics)
		f.toInstant, f.fromInstant = is, was
	}
	return f
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
			}
		}
	}
	return out
}

// carryOver copies the stored state Update keeps into sub and says which
// extra hash fields to write and whether the due set changes.
func (st *Store) carryOver(old, sub *Subscriber) (extra []any, setDue bool) {
	sub.CreatedAt, sub.Nonce, sub.Cursor, sub.NextDue = old.CreatedAt, old.Nonce, old.Cursor, old.NextDue
	sub.Bounces, sub.LastError = old.Bounces, old.LastError
	reactivated := sub.Status == StatusActive && old.Status != StatusActive
	if reactivated && (old.Status == StatusBounced || old.Status == StatusFailing) {
		sub.Bounces, sub.LastError = 0, ""
		extra = append(extra, "bounces", "", "last_error", "")
	}
	switch {
	case sub.Status != StatusActive:
		sub.NextDue, setDue = time.Time{}, true
	case reactivated || sub.Schedule != old.Schedule || sub.TimeZone != old.TimeZone:
		sub.NextDue, setDue = st.firstDue(sub, st.now()), true
	}
	if setDue {
		extra = append(extra, "next_due", msField(sub.NextDue))
	}
	return extra, setDue
}

// writeProfile overwrites the profile fields and topics of an existing
// subscriber, with extra hash fields.
func (st *Store) writeProfile(ctx context.Context, sub *Subscriber, extra []any) error {
	args := append(append([]any{"update"}, profileFields(sub)...), extra...)
	n, err := writeScript.Run(ctx, st.rdb, []string{st.subKey(sub.ID)}, args...).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
