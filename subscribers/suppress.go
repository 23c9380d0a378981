package subscribers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrSuppressed says an address is on the suppression list: it unsubscribed,
// hard-bounced or complained, and is never mailed again, also not after a
// re-import or an API create, until Unsuppress lifts it.
var ErrSuppressed = errors.New("address is suppressed")

// Suppression is why and when an address was suppressed.
type Suppression struct {
	Email  string    `json:"email"`
	Reason string    `json:"reason"` // unsubscribed, bounced: <why>, complaint
	At     time.Time `json:"at"`
}

// The suppression list is one hash, <prefix>suppressed: lowercased email ->
// Suppression as JSON. It outlives the subscriber record, so removing a
// subscriber and adding the address again does not lift it.
func (st *Store) suppressedKey() string { return st.prefix + "suppressed" }

// Suppress puts email on the suppression list (keeping the first reason).
func (st *Store) Suppress(ctx context.Context, email, reason string) error {
	email = strings.ToLower(email)
	b, _ := json.Marshal(Suppression{Email: email, Reason: reason, At: msTime(st.now())})
	if err := st.rdb.HSetNX(ctx, st.suppressedKey(), email, b).Err(); err != nil {
		return fmt.Errorf("subscribers: suppress: %w", err)
	}
	return nil
}

// Suppressed reports whether email is suppressed, and why.
func (st *Store) Suppressed(ctx context.Context, email string) (*Suppression, error) {
	v, err := st.rdb.HGet(ctx, st.suppressedKey(), strings.ToLower(email)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("subscribers: suppression: %w", err)
	}
	var s Suppression
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return nil, fmt.Errorf("subscribers: suppression of %s: %w", email, err)
	}
	return &s, nil
}

// Unsuppress lifts a suppression: the explicit override. The caller logs
// who did it and why; it reports whether the address was suppressed.
func (st *Store) Unsuppress(ctx context.Context, email string) (bool, error) {
	n, err := st.rdb.HDel(ctx, st.suppressedKey(), strings.ToLower(email)).Result()
	if err != nil {
		return false, fmt.Errorf("subscribers: unsuppress: %w", err)
	}
	return n == 1, nil
}

// checkSuppressed refuses an email subscriber that would be mailed while
// its address is suppressed.
func (st *Store) checkSuppressed(ctx context.Context, sub *Subscriber) error {
	if sub.Kind != KindEmail || sub.Status != StatusActive && sub.Status != StatusPending {
		return nil
	}
	s, err := st.Suppressed(ctx, sub.Email)
	if err != nil {
		return err
	}
	if s != nil {
		return fmt.Errorf("%s (%s since %s): %w", sub.Email, s.Reason, s.At.Format(time.DateOnly), ErrSuppressed)
	}
	return nil
}

// suppressAfter puts an email subscriber that just stopped being mailable
// (unsubscribed or bounced) on the suppression list.
func (st *Store) suppressAfter(ctx context.Context, sub *Subscriber, reason string) error {
	if sub.Kind != KindEmail || sub.Email == "" {
		return nil
	}
	return st.Suppress(ctx, sub.Email, reason)
}
