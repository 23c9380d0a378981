package digest

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"herald/subscribers"
)

// Completing a delivery (the Complete that moves the cursor and ends the
// lease, then the delivery record) happens only after the channel accepted
// the message, as ever; but rather than two round trips per message, the
// finisher group-commits: the worker that finds no write under way writes
// everything queued, in one pipelined round trip for the completions and
// one for the records, and goes on writing what queued meanwhile; other
// workers only enqueue and go back to sending. No timer holds an entry
// back, so the time between acceptance and record is one write at most
// plus its own, and under load many subscribers share a round trip. Each
// subscriber still gets its own Complete script on its own keys (see
// subscribers.Store.CompleteMany).
//
// A write that fails because Redis is unreachable is retried with backoff
// (nobody can take the lease over while Redis is down, so the completion
// lands once it is back), and meanwhile the runner starts no new sends:
// a message accepted but never recorded is the one repeat a crash or an
// outage may cause, so the runner keeps their number down.

// finishRetryMin is the least time a failed completion is retried.
const finishRetryMin = time.Minute

// batchRecorder is what a Recorder may offer (RedisLog does): the
// subscriber's own entry of a delivery, which the completion writes with
// the cursor move, and the shared view of many deliveries in one round
// trip.
type batchRecorder interface {
	Entry(d Delivery) string
	RecordShared(ctx context.Context, ds []Delivery) error
}

// finishing is one accepted (or empty) delivery waiting to be completed.
type finishing struct {
	sub          *subscribers.Subscriber
	token        string
	cursor, next time.Time
	rec          Delivery
	record       bool // rec is to be recorded
}

// finisher is a Runner's completion queue.
type finisher struct {
	r       *Runner
	bs      batchStore // nil: complete each delivery on its own
	mu      sync.Mutex
	idle    *sync.Cond // signalled when a writer stops
	queue   []finishing
	writing bool

	// the writer's own, reused from write to write
	spare []finishing
	recs  []Delivery
	cs    []subscribers.Completion
	errs  []error
}

func (r *Runner) finisher() *finisher {
	r.finOnce.Do(func() {
		r.fin = &finisher{r: r}
		r.fin.idle = sync.NewCond(&r.fin.mu)
		r.fin.bs, _ = r.Subscribers.(batchStore)
	})
	return r.fin
}

// later queues job and, when no write is under way, writes the queue until
// it is empty.
func (f *finisher) later(job finishing) {
	f.mu.Lock()
	f.queue = append(f.queue, job)
	if f.writing {
		f.mu.Unlock()
		return
	}
	f.writing = true
	for len(f.queue) > 0 {
		batch := f.queue
		f.queue, f.spare = f.spare[:0], nil
		f.mu.Unlock()
		f.write(batch)
		clear(batch)
		f.mu.Lock()
		f.spare = batch[:0]
	}
	f.writing = false
	f.idle.Broadcast()
	f.mu.Unlock()
}

// drain waits until everything queued is written: a writer only stops with
// the queue empty.
func (f *finisher) drain() {
	f.mu.Lock()
	for f.writing {
		f.idle.Wait()
	}
	f.mu.Unlock()
}

// write completes the batch's leases, then records its deliveries.
func (f *finisher) write(batch []finishing) {
	r := f.r
	t := r.Stages.start()
	defer r.Stages.since(stageFinish, t)
	ctx := context.Background()
	pending := batch
	f.retry("complete", func() bool {
		pending = f.complete(ctx, pending)
		return len(pending) == 0
	})
	recs := f.recs[:0]
	for i := range batch {
		if batch[i].record {
			recs = append(recs, batch[i].rec)
		}
	}
	f.recs = recs
	defer clear(f.recs)
	if len(recs) > 0 {
		f.retry("record deliveries", func() bool {
			recs = f.record(ctx, recs)
			return len(recs) == 0
		})
	}
}

// retry runs try until it reports done, backing off while Redis is away,
// for at least finishRetryMin (twice the lease when longer). The runner
// starts no sends while a retry is under way.
func (f *finisher) retry(what string, try func() bool) {
	r := f.r
	limit := max(finishRetryMin, 2*r.Lease)
	start := time.Now()
	for wait := 50 * time.Millisecond; !try(); wait = min(2*wait, 2*time.Second) {
		r.gate.shut()
		if time.Since(start) > limit {
			r.Logger.Error(what+": giving up; Redis unreachable", slog.Duration("after", time.Since(start)))
			break
		}
		time.Sleep(wait)
	}
	r.gate.reopen()
}

// complete runs the completions and returns those that failed for a reason
// worth retrying (Redis unreachable), not for a lost lease. A completion
// written but not yet confirmed by the replicas is retried by Sync alone.
func (f *finisher) complete(ctx context.Context, batch []finishing) []finishing {
	errs := f.completeAll(ctx, batch)
	var again, unsynced []finishing
	for i, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, subscribers.ErrNotDurable):
			unsynced = append(unsynced, batch[i])
		case errors.Is(err, subscribers.ErrLeaseLost), errors.Is(err, subscribers.ErrNotFound):
			f.r.Logger.Error("complete", slog.String("subscriber", batch[i].sub.ID), slog.Any("error", err))
		default:
			f.r.Logger.Warn("complete failed, will retry", slog.String("subscriber", batch[i].sub.ID), slog.Any("error", err))
			again = append(again, batch[i])
		}
	}
	if len(unsynced) > 0 {
		f.retry("wait for replicas", func() bool { return f.sync(ctx, unsynced) })
	}
	return again
}

// completeAll runs the batch's completions: in one round trip when the
// store offers it, with the subscribers' own log entries.
func (f *finisher) completeAll(ctx context.Context, batch []finishing) []error {
	if f.bs == nil {
		f.errs = f.errs[:0]
		for i := range batch {
			job := &batch[i]
			f.errs = append(f.errs, f.r.Subscribers.Complete(ctx, job.sub.ID, job.token, job.cursor, job.next))
		}
		return f.errs
	}
	br, _ := f.r.Recorder.(batchRecorder)
	cs := f.cs[:0]
	for i := range batch {
		job := &batch[i]
		cs = append(cs, subscribers.Completion{ID: job.sub.ID, Token: job.token, Cursor: job.cursor, NextDue: job.next})
		if br != nil && job.record {
			cs[i].Log = br.Entry(job.rec)
		}
	}
	f.cs = cs
	defer clear(f.cs)
	return f.bs.CompleteMany(ctx, cs)
}

// sync waits for the replicas to confirm the completions of jobs; it
// reports whether they did.
func (f *finisher) sync(ctx context.Context, jobs []finishing) bool {
	ids := make([]string, len(jobs))
	for i, job := range jobs {
		ids[i] = job.sub.ID
	}
	failed := f.bs.Sync(ctx, ids)
	for _, err := range failed {
		f.r.Logger.Warn("completions not confirmed by the replicas; sending paused", slog.Any("error", err))
		return false
	}
	return true
}

// record appends recs to the delivery log and returns those not written.
// The subscribers' own entries went in with the completions when the
// recorder is a batchRecorder and the store completes in batches.
func (f *finisher) record(ctx context.Context, recs []Delivery) []Delivery {
	r := f.r
	if br, ok := r.Recorder.(batchRecorder); ok && f.bs != nil {
		if err := br.RecordShared(ctx, recs); err != nil {
			r.Logger.Warn("record deliveries failed, will retry", slog.Int("deliveries", len(recs)), slog.Any("error", err))
			return recs
		}
		return nil
	}
	for i, rec := range recs {
		if err := r.Recorder.Record(ctx, rec); err != nil {
			r.Logger.Warn("record delivery failed, will retry", slog.String("subscriber", rec.SubscriberID), slog.Any("error", err))
			return recs[i:]
		}
	}
	return nil
}
