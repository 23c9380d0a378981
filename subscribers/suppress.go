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

// The suppression list is sharded hashes, <prefix>suppressed:{<t>}:
// lowercased email -> Suppression as JSON. It outlives the subscriber
// record, so removing a subscriber and adding the address again does not
// lift it.

// Suppress puts email on the suppression list (keeping the first reason).
func (st *Store) Suppress(ctx context.Context, email, reason string) error {
	email = strings.ToLower(email)
	b, _ := json.Marshal(Suppression{Email: email, Reason: reason, At: msTime(st.now())})
	if err := st.rdb.HSetNX(ctx, st.suppressedKey(email), email, b).Err(); err != nil {
		return fmt.Errorf("subscribers: suppress: %w", err)
	}
	return nil
}

// Suppressed reports whether email is suppressed, and why.
func (st *Store) Suppressed(ctx context.Context, email string) (*Suppression, error) {
	v, err := st.rdb.HGet(ctx, st.suppressedKey(email), strings.ToLower(email)).Result()
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
	n, err := st.rdb.HDel(ctx, st.suppressedKey(email), strings.ToLower(email)).Result()
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

// reportScript: KEYS sub hash; ARGV reason, threshold. Counts a hard bounce
// reported after the fact (no lease: the message was sent long ago).
// Replies {bounces, status}.
var reportScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local n = redis.call('HINCRBY', KEYS[1], 'bounces', 1)
redis.call('HSET', KEYS[1], 'last_error', ARGV[1])
local status = redis.call('HGET', KEYS[1], 'status')
if n >= tonumber(ARGV[2]) and status ~= 'unsubscribed' then
  status = 'bounced'
  redis.call('HSET', KEYS[1], 'status', status, 'next_due', '0')
end
return {n, status}
`)

// ReportBounce records a hard bounce reported asynchronously (by an MTA or a
// provider's webhook) against subscriber id. Past threshold the subscriber
// is bounced, leaves the due set and the address is suppressed.
func (st *Store) ReportBounce(ctx context.Context, id, reason string, threshold int) (suppressed bool, err error) {
	res, err := reportScript.Run(ctx, st.rdb, []string{st.subKey(id)}, reason, max(threshold, 1)).Slice()
	if errors.Is(err, redis.Nil) {
		return false, ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("subscribers: report bounce %s: %w", id, err)
	}
	if status, _ := res[1].(string); status != string(StatusBounced) {
		return false, nil
	}
	if err := st.rdb.ZAdd(ctx, st.dueKey(id), redis.Z{Score: notDue, Member: id}).Err(); err != nil {
		return true, fmt.Errorf("subscribers: report bounce %s: %w", id, err)
	}
	sub, err := st.Get(ctx, id)
	if err != nil {
		return true, err
	}
	return true, st.suppressAfter(ctx, sub, "bounced: "+reason)
}
