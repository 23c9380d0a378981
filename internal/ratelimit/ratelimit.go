// Package ratelimit counts what one client does in Redis, so a limit holds
// across every Herald process sharing it. The limit is a fixed window: the
// clock is cut into windows of one length, and a client may act Limit times
// in each. One key per client and window holds the count; a Lua script adds
// one and, on the first event, sets the key to expire with its window (INCR,
// PEXPIRE), so a client's keys clean themselves up. The script touches one
// key, so the limiter works on Redis Cluster as on one node.
//
// Windows are cut from the injected clock, not Redis's, so a test chooses
// the instant and RetryAfter says exactly when the window ends.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Rate is how many events a client may have in one window.
type Rate struct {
	Limit  int
	Window time.Duration
}

// Limiter counts one kind of event (sign-ups, failed tokens) per client.
type Limiter struct {
	rdb  redis.UniversalClient
	keys keys
	rate Rate
	now  func() time.Time
}

// Result is a client's standing in the current window.
type Result struct {
	Count      int           // events counted in the window so far
	Allowed    bool          // see Take and Peek
	RetryAfter time.Duration // until the window ends
}

// New returns a limiter for the events called name (one word, such as
// "signup"), keyed under prefix. now is the clock (time.Now when nil). A
// rate with no window or a limit under 1 is refused.
func New(rdb redis.UniversalClient, prefix, name string, rate Rate, now func() time.Time) (*Limiter, error) {
	if rate.Limit < 1 || rate.Window <= 0 {
		return nil, fmt.Errorf("ratelimit: %s: limit must be at least 1 and the window positive (got %d per %v)", name, rate.Limit, rate.Window)
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{rdb: rdb, keys: keys{prefix: prefix, name: name}, rate: rate, now: now}, nil
}

// Rate is the limiter's rate.
func (l *Limiter) Rate() Rate { return l.rate }

// Take counts one event for client. Allowed reports whether it is within
// the limit (the Limit-th event is, the next is not).
func (l *Limiter) Take(ctx context.Context, client string) (Result, error) {
	start, left := l.window()
	n, err := incr.Run(ctx, l.rdb, []string{l.keys.count(client, start)}, left.Milliseconds()+1).Int()
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: %s: %w", l.keys.name, err)
	}
	return Result{Count: n, Allowed: n <= l.rate.Limit, RetryAfter: left}, nil
}

// Peek reads client's count without counting. Allowed reports whether one
// more event would be within the limit.
func (l *Limiter) Peek(ctx context.Context, client string) (Result, error) {
	start, left := l.window()
	n, err := l.rdb.Get(ctx, l.keys.count(client, start)).Int()
	if err != nil && !errors.Is(err, redis.Nil) {
		return Result{}, fmt.Errorf("ratelimit: %s: %w", l.keys.name, err)
	}
	return Result{Count: n, Allowed: n < l.rate.Limit, RetryAfter: left}, nil
}

// window is the start of the current window and the time left in it.
func (l *Limiter) window() (start time.Time, left time.Duration) {
	now := l.now()
	start = now.Truncate(l.rate.Window)
	return start, start.Add(l.rate.Window).Sub(now)
}

// incr adds one to KEYS[1] and, when it is new, expires it in ARGV[1] ms.
var incr = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`)
