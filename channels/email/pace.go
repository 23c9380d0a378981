package email

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

const maxBackoff = 30 * time.Second

// DefaultBackoff is 1s·2^attempt, at most 30s, less up to a quarter of it
// at random so that many senders retrying together spread out.
func DefaultBackoff(attempt int) time.Duration {
	d := maxBackoff
	if attempt < 5 {
		d = min(time.Second<<attempt, maxBackoff)
	}
	return d - rand.N(d/4+1)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// limiter paces sends to a rate with a burst of one (GCRA): each reservation
// takes the next free slot, so concurrent senders queue fairly.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time // earliest start of the next send
	now      func() time.Time
}

// newLimiter returns nil (no limit) for a rate of 0.
func newLimiter(perSecond float64, now func() time.Time) *limiter {
	if perSecond <= 0 {
		return nil
	}
	return &limiter{interval: time.Duration(float64(time.Second) / perSecond), now: now}
}

// reserve books the next slot and says how long to wait for it.
func (l *limiter) reserve() time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.next.Before(now) {
		l.next = now
	}
	wait := l.next.Sub(now)
	l.next = l.next.Add(l.interval)
	return wait
}
