package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"herald/subscribers"
)

// One dispatch run is a small pipeline: one goroutine claims a batch,
// leases it, and builds its digests from the run's story catalog, while
// Workers goroutines render and send the digests of the batch before; a
// finished delivery's Complete and delivery record join a short queue that
// is written to Redis for many subscribers at once (see finisher). The work
// queue holds at most one batch, so a run's memory does not grow with the
// number of subscribers, and leases are held only for work about to start.

// batchStore is what a SubscriberStore may offer to lease and complete many
// subscribers in one round trip each (subscribers.Store does).
type batchStore interface {
	AcquireMany(ctx context.Context, ids []string, token string, now time.Time, lease time.Duration) ([]*subscribers.Subscriber, []error)
	CompleteMany(ctx context.Context, cs []subscribers.Completion) []error
	Sync(ctx context.Context, ids []string) map[string]error
}

// job is one digest to deliver, with the lease token of its batch.
type job struct {
	d     *Digest
	token string
	now   time.Time
}

// pass is the state of one RunOnce.
type pass struct {
	r   *Runner
	cat *catalog // used by the claiming goroutine only

	mu sync.Mutex
	st Stats
}

// RunOnce claims and delivers batches until nothing is due. When ctx ends it
// stops claiming, lets sends already under way finish and hands unstarted
// work back to the due set.
func (r *Runner) RunOnce(ctx context.Context) (Stats, error) {
	r.defaults()
	p := &pass{r: r}
	work := make(chan job, r.BatchSize)
	bg := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for range r.Workers {
		wg.Go(func() {
			for j := range work {
				p.done(r.deliver(ctx, bg, j.d, j.token, j.now))
			}
		})
	}
	err := p.claimLoop(ctx, work)
	close(work)
	wg.Wait()
	r.finisher().drain()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.st, err
}

// done counts one delivery's outcome and reports progress.
func (p *pass) done(o outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.st.add(o)
	if p.r.Progress != nil {
		p.r.Progress(p.st)
	}
}

// count adds a batch's claim and skip counts.
func (p *pass) count(claimed, skipped int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.st.Claimed += claimed
	p.st.Skipped += skipped
}

func (p *pass) claimLoop(ctx context.Context, work chan<- job) error {
	r := p.r
	for ctx.Err() == nil {
		now := r.Now()
		r.retryRequeues(ctx, now)
		t := r.Stages.start()
		ids, err := r.Subscribers.Claim(ctx, now, r.BatchSize, r.Lease)
		r.Stages.since(stageClaim, t)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return fmt.Errorf("digest: claim: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		p.count(len(ids), 0)
		if err := p.batch(ctx, now, ids, work); err != nil {
			return err
		}
	}
	return nil
}

// batch leases and builds one claimed batch and queues its digests.
func (p *pass) batch(ctx context.Context, now time.Time, ids []string, work chan<- job) error {
	r := p.r
	token := newToken()
	t := r.Stages.start()
	var st Stats
	subs := r.acquire(ctx, ids, token, now, &st)
	ready := r.triage(ctx, subs, token, now, &st)
	p.count(0, st.Skipped)
	if len(ready) == 0 {
		return nil
	}
	digests, err := p.build(ctx, now, ready)
	r.Stages.since(stageGather, t)
	if err != nil {
		r.releaseAll(ready, token, now, err)
		return err
	}
	for _, d := range digests {
		work <- job{d: d, token: token, now: now}
	}
	return nil
}

// build picks the batch's digests from the run's catalog, reading it first
// when there is none yet, when it is older than IndexMaxAge, or when a
// subscriber fell due (or has a cursor) after its end. Every digest of the
// batch ends where the catalog does, at most now less Settle.
func (p *pass) build(ctx context.Context, now time.Time, ready []*subscribers.Subscriber) ([]*Digest, error) {
	r := p.r
	end := now.Add(-r.Settle)
	var last time.Time // latest cursor or due time in the batch
	for _, s := range ready {
		last = latest(last, s.Cursor, s.NextDue)
	}
	switch {
	case p.cat == nil, now.Sub(p.cat.readAt) > r.IndexMaxAge, end.Before(p.cat.end):
		p.cat = newCatalog(r.Builder.Stories, latest(end, maxCursor(ready)), now, p.cat)
	case last.After(p.cat.end):
		if err := p.cat.extend(ctx, latest(end, maxCursor(ready))); err != nil {
			return nil, err
		}
	}
	return p.cat.build(ctx, ready)
}

func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

func maxCursor(subs []*subscribers.Subscriber) time.Time {
	var out time.Time
	for _, s := range subs {
		out = latest(out, s.Cursor)
	}
	return out
}

// acquire takes the per-subscriber lease and reads each subscriber (see
// acquireAll). Subscribers it cannot lease are counted as skipped.
func (r *Runner) acquire(ctx context.Context, ids []string, token string, now time.Time, st *Stats) []*subscribers.Subscriber {
	out, errs := r.acquireAll(ctx, ids, token, now)
	subs := make([]*subscribers.Subscriber, 0, len(ids))
	for i, err := range errs {
		switch {
		case errors.Is(err, subscribers.ErrNotFound): // removed: drop its due entry
			if err := r.Subscribers.Resync(ctx, ids[i], time.Time{}); err != nil {
				r.Logger.Warn("drop due entry", slog.String("subscriber", ids[i]), slog.Any("error", err))
			}
		case errors.Is(err, subscribers.ErrBusy):
		case subscribers.Transient(err):
			// The lease is unconfirmed by the replicas (it may be lost in a
			// failover) or its write failed (the subscriber's master is
			// away): send nothing now, and put the subscriber back in line
			// rather than behind the claim's lease.
			r.Logger.Warn("lease not taken: requeued", slog.String("subscriber", ids[i]), slog.Any("error", err))
			r.requeue(ctx, ids[i], now)
		case err != nil: // an answer about its data: due again after the claim's lease
			r.Logger.Warn("acquire failed", slog.String("subscriber", ids[i]), slog.Any("error", err))
		default:
			subs = append(subs, out[i])
			continue
		}
		st.Skipped++
	}
	return subs
}

// acquireAll leases and reads ids: in one round trip when the store can,
// else with up to Workers requests in flight.
func (r *Runner) acquireAll(ctx context.Context, ids []string, token string, now time.Time) ([]*subscribers.Subscriber, []error) {
	if bs, ok := r.Subscribers.(batchStore); ok {
		return bs.AcquireMany(ctx, ids, token, now, r.Lease)
	}
	out := make([]*subscribers.Subscriber, len(ids))
	errs := make([]error, len(ids))
	r.parallel(len(ids), func(i int) {
		out[i], errs[i] = r.Subscribers.Acquire(ctx, ids[i], token, now, r.Lease)
	})
	return out, errs
}
