package health

import (
	"context"
	"log/slog"
	"time"
)

// Backoff is how long Recover waits between checks: First, doubling up to
// Max.
type Backoff struct {
	First, Max time.Duration
}

// DefaultBackoff retries after 1s, doubling up to 30s.
var DefaultBackoff = Backoff{First: time.Second, Max: 30 * time.Second}

func (b Backoff) next(d time.Duration) time.Duration {
	if d <= 0 {
		return max(b.First, time.Millisecond)
	}
	return min(2*d, max(b.Max, b.First))
}

// Recover starts, unless one is already running, a loop that runs check
// with backoff until it succeeds (the dependency is then up) or ctx ends.
func (d *Dep) Recover(ctx context.Context, check func(ctx context.Context) error, b Backoff, log *slog.Logger) {
	d.mu.Lock()
	if d.recovering {
		d.mu.Unlock()
		return
	}
	d.recovering = true
	d.mu.Unlock()
	go d.recoverLoop(ctx, check, b, log)
}

func (d *Dep) recoverLoop(ctx context.Context, check func(ctx context.Context) error, b Backoff, log *slog.Logger) {
	defer d.stopRecovering()
	for wait := b.next(0); ; wait = b.next(wait) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		err := check(ctx)
		if err == nil {
			d.Up()
			log.Info("dependency back", slog.String("dependency", d.name))
			return
		}
		d.Down(err)
		log.Warn("dependency still down", slog.String("dependency", d.name),
			slog.Duration("retry_in", b.next(wait)), slog.Any("error", err))
	}
}

func (d *Dep) stopRecovering() {
	d.mu.Lock()
	d.recovering = false
	d.mu.Unlock()
}
