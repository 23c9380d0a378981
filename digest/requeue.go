package digest

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"herald/subscribers"
)

// requeued holds the subscribers a run could not put back in line because
// Redis was away (the master of their due entry had just died, say): each
// claim tries them again, so once Redis answers they are due at once
// rather than after their claim's lease.
type requeued struct {
	mu  sync.Mutex
	ids []string
}

// maxRequeued bounds requeued; past it a subscriber waits out its claim.
const maxRequeued = 10_000

func (q *requeued) add(ids ...string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ids = append(q.ids, ids[:min(len(ids), maxRequeued-len(q.ids))]...)
}

func (q *requeued) take() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	ids := q.ids
	q.ids = nil
	return ids
}

// requeue puts id back in line at now+Settle; when Redis is away it is
// kept to try again at the next claim.
func (r *Runner) requeue(ctx context.Context, id string, now time.Time) {
	if err := r.resync(ctx, id, now); worthRetry(ctx, err) {
		r.requeued.add(id)
	}
}

// worthRetry reports a requeue that failed because Redis was away, while
// the run goes on.
func worthRetry(ctx context.Context, err error) bool {
	return subscribers.Transient(err) && ctx.Err() == nil
}

func (r *Runner) resync(ctx context.Context, id string, now time.Time) error {
	err := r.Subscribers.Resync(ctx, id, now.Add(r.Settle))
	if err != nil {
		r.Logger.Warn("requeue", slog.String("subscriber", id), slog.Any("error", err))
	}
	return err
}

// retryRequeues puts back in line those earlier requeues could not. It
// stops at the first that fails, which goes to the back of the line, so a
// claim waits for one failed write at most.
func (r *Runner) retryRequeues(ctx context.Context, now time.Time) {
	ids := r.requeued.take()
	for i, id := range ids {
		if err := r.resync(ctx, id, now); err != nil {
			if worthRetry(ctx, err) {
				r.requeued.add(append(ids[i+1:], id)...)
			}
			return
		}
	}
}
