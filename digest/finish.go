package digest

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"herald/subscribers"
)

// Completing a delivery (the Complete that moves the cursor and ends the
// lease, then the delivery record) happens only after the channel accepted
// the message, as ever; but rather than two round trips per message, the
// finisher queues it and writes the queue for many subscribers at once
// when it holds finishBatch entries or finishDelay after its first entry,
// and whenever a run ends. Each subscriber still gets its own Complete
// script on its own keys (see subscribers.Store.CompleteMany). A crash
// between acceptance and the write repeats those messages on the next run,
// under the same Message-ID: at most one per subscriber, as before.
const (
	finishBatch = 64
	finishDelay = 2 * time.Millisecond
)

// batchRecorder is what a Recorder may offer to append many deliveries in
// one round trip (RedisLog does).
type batchRecorder interface {
	RecordMany(ctx context.Context, ds []Delivery) error
}

// finishing is one accepted (or empty) delivery waiting to be completed.
type finishing struct {
	sub          *subscribers.Subscriber
	token        string
	cursor, next time.Time
	rec          *Delivery // nil: nothing to record
}

// finisher is a Runner's completion queue.
type finisher struct {
	r     *Runner
	bs    batchStore // nil: complete each delivery at once
	mu    sync.Mutex
	queue []finishing
	timer *time.Timer
	busy  sync.WaitGroup // writes under way
}

func (r *Runner) finisher() *finisher {
	r.finOnce.Do(func() {
		r.fin = &finisher{r: r}
		r.fin.bs, _ = r.Subscribers.(batchStore)
	})
	return r.fin
}

// later completes f now when the store cannot batch, else queues it.
func (f *finisher) later(job finishing) {
	if f.bs == nil {
		f.write([]finishing{job})
		return
	}
	f.mu.Lock()
	f.queue = append(f.queue, job)
	var batch []finishing
	if len(f.queue) >= finishBatch {
		batch = f.take()
	} else if f.timer == nil {
		f.timer = time.AfterFunc(finishDelay, f.flushQueued)
	}
	f.mu.Unlock()
	f.writeTaken(batch)
}

// take empties the queue for writing; f.mu is held.
func (f *finisher) take() []finishing {
	batch := f.queue
	f.queue = nil
	if f.timer != nil {
		f.timer.Stop()
		f.timer = nil
	}
	if len(batch) > 0 {
		f.busy.Add(1)
	}
	return batch
}

func (f *finisher) flushQueued() {
	f.mu.Lock()
	batch := f.take()
	f.mu.Unlock()
	f.writeTaken(batch)
}

// drain writes what is queued and waits for every write under way.
func (f *finisher) drain() {
	f.flushQueued()
	f.busy.Wait()
}

func (f *finisher) writeTaken(batch []finishing) {
	if len(batch) == 0 {
		return
	}
	defer f.busy.Done()
	f.write(batch)
}

// write completes the batch's leases, then records its deliveries.
func (f *finisher) write(batch []finishing) {
	r := f.r
	t := r.Stages.start()
	defer r.Stages.since(stageFinish, t)
	ctx := context.Background()
	f.complete(ctx, batch)
	var recs []Delivery
	for _, job := range batch {
		if job.rec != nil {
			recs = append(recs, *job.rec)
		}
	}
	if br, ok := r.Recorder.(batchRecorder); ok && len(recs) > 1 {
		if err := br.RecordMany(ctx, recs); err != nil {
			r.Logger.Error("record deliveries", slog.Int("deliveries", len(recs)), slog.Any("error", err))
		}
		return
	}
	for _, rec := range recs {
		if err := r.Recorder.Record(ctx, rec); err != nil {
			r.Logger.Error("record delivery", slog.String("subscriber", rec.SubscriberID), slog.Any("error", err))
		}
	}
}

func (f *finisher) complete(ctx context.Context, batch []finishing) {
	if f.bs == nil || len(batch) == 1 {
		for _, job := range batch {
			f.r.complete(ctx, job.sub, job.token, job.cursor, job.next)
		}
		return
	}
	cs := make([]subscribers.Completion, len(batch))
	for i, job := range batch {
		cs[i] = subscribers.Completion{ID: job.sub.ID, Token: job.token, Cursor: job.cursor, NextDue: job.next}
	}
	for i, err := range f.bs.CompleteMany(ctx, cs) {
		if err != nil {
			f.r.Logger.Error("complete", slog.String("subscriber", cs[i].ID), slog.Any("error", err))
		}
	}
}
