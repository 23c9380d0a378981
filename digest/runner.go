package digest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strconv"
	"sync"
	"time"

	"herald/subscribers"
)

// SubscriberStore is what dispatch needs from the subscriber store: claiming
// due subscribers under a lease and recording each outcome atomically.
type SubscriberStore interface {
	Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]string, error)
	Acquire(ctx context.Context, id, token string, now time.Time, lease time.Duration) (*subscribers.Subscriber, error)
	Complete(ctx context.Context, id, token string, cursor, nextDue time.Time) error
	Release(ctx context.Context, id, token string, retryAt time.Time, lastError string) error
	Hold(ctx context.Context, id, token string, retryAt time.Time, reason string) error
	Bounce(ctx context.Context, id, token, reason string, threshold int, nextDue time.Time) (bool, error)
	Resync(ctx context.Context, id string, at time.Time) error
}

// Runner claims due subscribers and delivers their digests. Several runners
// (in one process or many) can share one Redis: a claim is leased, and only
// the lease holder may advance a subscriber's cursor.
type Runner struct {
	Subscribers SubscriberStore
	Builder     *Builder
	Composer    *Composer
	Channels    map[subscribers.Kind]Channel
	Recorder    Recorder
	Now         func() time.Time
	Logger      *slog.Logger

	Lease           time.Duration // how long a claim is held; default 5m
	Settle          time.Duration // window end lags the claim by this; default 2s
	BatchSize       int           // subscribers claimed at once; default 200
	Workers         int           // concurrent sends; default 8
	SendEmpty       bool          // send a digest with no stories
	BounceThreshold int           // permanent failures before suppression; default 1
	RetryDelay      time.Duration // first wait after a temporary failure, doubling; default 5m
	MaxAttempts     int           // temporary failures at one window before giving up on it; default 5
	HoldDelay       time.Duration // wait after a channel-level failure; default RetryDelay, at most 30s
	SendTimeout     time.Duration // per message; default 2m
	Progress        func(Stats)   // called after each message, may be nil
	Stages          *StageTimes   // time per stage, added up when not nil
	// IndexMaxAge is how long one read of the story index and stories
	// serves a run's later batches; default 30s. Digests of a batch claimed
	// at t end at most IndexMaxAge+Settle before t; later stories go in the
	// next digest.
	IndexMaxAge time.Duration

	finOnce  sync.Once
	fin      *finisher
	gate     storeGate // shut while a completion is being retried: start no sends
	requeued requeued  // subscribers to put back in line once Redis answers
	sched    schedules
}

// Stats counts what one dispatch did.
type Stats struct {
	Claimed   int
	Sent      int
	Empty     int // no stories: nothing sent, schedule advanced
	Skipped   int // not active, gone, or not yet due
	Temporary int
	Permanent int
	Held      int // a channel was down: due again once it is back, no attempt counted
}

func (r *Runner) defaults() {
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	if r.Lease <= 0 {
		r.Lease = 5 * time.Minute
	}
	if r.Settle <= 0 {
		r.Settle = 2 * time.Second
	}
	if r.BatchSize <= 0 {
		r.BatchSize = 200
	}
	if r.Workers <= 0 {
		r.Workers = 8
	}
	if r.BounceThreshold <= 0 {
		r.BounceThreshold = 1
	}
	if r.RetryDelay <= 0 {
		r.RetryDelay = 5 * time.Minute
	}
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 5
	}
	if r.HoldDelay <= 0 {
		r.HoldDelay = min(r.RetryDelay, 30*time.Second)
	}
	if r.SendTimeout <= 0 {
		r.SendTimeout = 2 * time.Minute
	}
	if r.Recorder == nil {
		r.Recorder = discardRecorder{}
	}
	if r.IndexMaxAge <= 0 {
		r.IndexMaxAge = 30 * time.Second
	}
}

// triage settles subscribers that must not get a digest now (not active, or
// due later than the due set said) and returns the rest.
func (r *Runner) triage(ctx context.Context, subs []*subscribers.Subscriber, token string, now time.Time, st *Stats) []*subscribers.Subscriber {
	ready := make([]*subscribers.Subscriber, 0, len(subs))
	for _, s := range subs {
		switch {
		case s.Status != subscribers.StatusActive:
			r.complete(ctx, s, token, s.Cursor, time.Time{})
		case s.NextDue.After(now):
			r.complete(ctx, s, token, s.Cursor, s.NextDue)
		default:
			ready = append(ready, s)
			continue
		}
		st.Skipped++
	}
	return ready
}

// outcome is how one delivery ended.
type outcome string

const (
	outcomeSent      outcome = "sent"
	outcomeEmpty     outcome = "empty"
	outcomeTemporary outcome = "temporary"
	outcomePermanent outcome = "permanent"
	outcomeFailed    outcome = "failed"   // temporary failures used up the attempts
	outcomeDeferred  outcome = "deferred" // shutting down before the send began
	outcomeHeld      outcome = "held"     // the channel is down: not the recipient's failure
)

func (st *Stats) add(o outcome) {
	switch o {
	case outcomeSent:
		st.Sent++
	case outcomeEmpty:
		st.Empty++
	case outcomeTemporary:
		st.Temporary++
	case outcomePermanent, outcomeFailed:
		st.Permanent++
	case outcomeHeld:
		st.Held++
	default:
		st.Skipped++
	}
}

// deliver sends one digest and records the outcome. The cursor moves only
// after the channel accepted the message. bg is ctx without its
// cancellation, for the writes that must happen even during shutdown.
func (r *Runner) deliver(ctx, bg context.Context, d *Digest, token string, now time.Time) outcome {
	sub := d.Subscriber
	open := r.gate.wait(ctx, r.Lease-r.Lease/4-r.Now().Sub(now))
	if ctx.Err() != nil {
		r.release(bg, sub, token, now, "shutdown before send")
		return outcomeDeferred
	}
	if !open {
		// Redis stayed away for most of the lease: a message sent now could
		// not be recorded. The claim lapses and the subscriber is due again
		// after the lease.
		return outcomeDeferred
	}
	if r.Now().Sub(now) > r.Lease-r.Lease/4 {
		// The batch took most of the lease: another process may claim this
		// subscriber soon, so hand it back rather than risk two sends.
		r.release(bg, sub, token, r.Now(), "lease nearly over before send")
		return outcomeDeferred
	}
	next := r.sched.nextDue(sub, now)
	if len(d.Items) == 0 && !r.SendEmpty {
		r.finisher().later(finishing{sub: sub, token: token, cursor: d.Window.End, next: next})
		r.recordEmpty(d, now)
		return outcomeEmpty
	}
	t := r.Stages.start()
	msg, err := r.Composer.Compose(d, now)
	r.Stages.since(stageRender, t)
	if err != nil {
		r.Logger.Error("render failed", slog.String("subscriber", sub.ID), slog.Any("error", err))
		r.release(bg, sub, token, now.Add(r.RetryDelay), err.Error())
		return outcomeTemporary
	}
	defer r.recycle(msg)
	t = r.Stages.start()
	err = r.send(bg, msg)
	r.Stages.since(stageSend, t)
	if err == nil { // accepted: the cursor moves, in the next batch of completions
		r.finisher().later(finishing{sub: sub, token: token, cursor: d.Window.End, next: next,
			rec: r.delivery(d, msg, outcomeSent, nil, now), record: true})
		return outcomeSent
	}
	t = r.Stages.start()
	res := r.settle(bg, d, msg, token, now, next, err)
	r.record(bg, d, msg, res, err, now)
	r.Stages.since(stageFinish, t)
	return res
}

func (r *Runner) send(ctx context.Context, msg *Message) error {
	ch, ok := r.Channels[msg.Kind]
	if !ok {
		return Permanent(0, "no_channel", fmt.Errorf("no channel configured for %s", msg.Kind))
	}
	ctx, cancel := context.WithTimeout(ctx, r.SendTimeout)
	defer cancel()
	return ch.Send(ctx, msg)
}

// recycle gives msg's email buffers back to the renderer when its channel
// keeps nothing of it.
func (r *Runner) recycle(msg *Message) {
	rc, ok := r.Composer.Renderer.(Recycler)
	if !ok || msg.Email == nil {
		return
	}
	if c, ok := r.Channels[msg.Kind].(Copier); ok && c.CopiesMessages() {
		rc.Recycle(msg.Email)
		msg.Email = nil
	}
}

func (r *Runner) settle(ctx context.Context, d *Digest, msg *Message, token string, now, next time.Time, err error) outcome {
	sub := d.Subscriber
	switch {
	case err == nil:
		r.complete(ctx, sub, token, d.Window.End, next)
		return outcomeSent
	case IsChannelDown(err):
		return r.hold(ctx, sub, msg, token, now, err)
	case IsTemporary(err) && sub.Attempts+1 >= r.MaxAttempts:
		// Give up on this attempt, not on the stories: the cursor stays, so
		// the next scheduled digest still holds this window.
		r.Logger.Error("send failed, attempts used up; the window waits for the next digest",
			slog.String("subscriber", sub.ID), slog.String("message_id", msg.ID),
			slog.Int("attempts", sub.Attempts+1), slog.Any("error", err))
		r.complete(ctx, sub, token, sub.Cursor, next)
		return outcomeFailed
	case IsTemporary(err):
		retryAt := now.Add(r.retryDelay(sub.Attempts + 1))
		r.Logger.Warn("send failed, will retry", slog.String("subscriber", sub.ID),
			slog.String("message_id", msg.ID), slog.Time("retry_at", retryAt), slog.Any("error", err))
		r.release(ctx, sub, token, retryAt, err.Error())
		return outcomeTemporary
	default:
		var se *SendError
		reason := err.Error()
		if errors.As(err, &se) && se.Reason != "" {
			reason = se.Reason + ": " + se.Err.Error()
		}
		suppressed, berr := r.Subscribers.Bounce(ctx, sub.ID, token, reason, r.BounceThreshold, next)
		if berr != nil {
			r.Logger.Error("record bounce", slog.String("subscriber", sub.ID), slog.Any("error", berr))
		}
		r.Logger.Warn("send failed permanently", slog.String("subscriber", sub.ID),
			slog.String("message_id", msg.ID), slog.Bool("suppressed", suppressed), slog.Any("error", err))
		return outcomePermanent
	}
}

// hold hands the subscriber back after a channel-level failure: due again
// after HoldDelay, no attempt counted, nothing marked against it.
func (r *Runner) hold(ctx context.Context, sub *subscribers.Subscriber, msg *Message, token string, now time.Time, err error) outcome {
	retryAt := now.Add(r.HoldDelay)
	r.Logger.Warn("channel unavailable (temporary): digest held", slog.String("subscriber", sub.ID),
		slog.String("message_id", msg.ID), slog.Time("retry_at", retryAt), slog.Any("error", err))
	if herr := r.Subscribers.Hold(ctx, sub.ID, token, retryAt, err.Error()); herr != nil {
		r.Logger.Error("hold", slog.String("subscriber", sub.ID), slog.Any("error", herr))
	}
	return outcomeHeld
}

func (r *Runner) complete(ctx context.Context, sub *subscribers.Subscriber, token string, cursor, next time.Time) {
	if err := r.Subscribers.Complete(ctx, sub.ID, token, cursor, next); err != nil {
		r.Logger.Error("complete", slog.String("subscriber", sub.ID), slog.Any("error", err))
	}
}

func (r *Runner) release(ctx context.Context, sub *subscribers.Subscriber, token string, at time.Time, why string) {
	if err := r.Subscribers.Release(ctx, sub.ID, token, at, why); err != nil {
		r.Logger.Error("release", slog.String("subscriber", sub.ID), slog.Any("error", err))
	}
}

func (r *Runner) releaseAll(subs []*subscribers.Subscriber, token string, now time.Time, cause error) {
	bg := context.Background()
	for _, s := range subs {
		r.release(bg, s, token, now.Add(r.RetryDelay), cause.Error())
	}
}

func (r *Runner) record(ctx context.Context, d *Digest, msg *Message, res outcome, err error, now time.Time) {
	if rerr := r.Recorder.Record(ctx, r.delivery(d, msg, res, err, now)); rerr != nil {
		r.Logger.Error("record delivery", slog.String("subscriber", d.Subscriber.ID), slog.Any("error", rerr))
	}
}

// delivery is the delivery-log entry of one attempt.
func (r *Runner) delivery(d *Digest, msg *Message, res outcome, err error, now time.Time) Delivery {
	rec := Delivery{
		SubscriberID: d.Subscriber.ID, MessageID: msg.ID, Channel: string(msg.Kind),
		WindowStart: d.Window.Start, WindowEnd: d.Window.End, Stories: len(d.Items),
		Result: string(res), Attempt: d.Subscriber.Attempts + 1, At: now,
		StoryIDs: storyIDs(d), Alert: r.sched.instant(d.Subscriber),
	}
	if err != nil {
		rec.Error = err.Error()
	}
	return rec
}

func storyIDs(d *Digest) []string {
	ids := make([]string, len(d.Items))
	for i, it := range d.Items {
		ids[i] = it.Story.ID
	}
	return ids
}

// recordEmpty tells a Recorder that offers it of a digest with no stories.
func (r *Runner) recordEmpty(d *Digest, now time.Time) {
	if er, ok := r.Recorder.(EmptyRecorder); ok {
		er.RecordEmpty(Delivery{SubscriberID: d.Subscriber.ID, Channel: string(d.Subscriber.Kind),
			WindowStart: d.Window.Start, WindowEnd: d.Window.End, Result: string(outcomeEmpty), At: now})
	}
}

// retryDelay is the wait after the attempt-th temporary failure: RetryDelay
// doubling each time, at most 6h, with ±20% jitter so a burst of failures
// does not come back as a burst.
func (r *Runner) retryDelay(attempt int) time.Duration {
	d := r.RetryDelay << min(attempt-1, 16)
	if d > 6*time.Hour || d <= 0 {
		d = 6 * time.Hour
	}
	jitter := time.Duration(mrand.Int64N(int64(d)/5*2+1)) - d/5
	return d + jitter
}

// parallel runs fn(0..n-1) on up to Workers goroutines and waits.
func (r *Runner) parallel(n int, fn func(i int)) {
	idx := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(r.Workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		idx <- i
	}
	close(idx)
	wg.Wait()
}

// MessageID names the message for one subscriber and window start. The
// cursor moves only when a message is accepted, so every attempt at one
// window (a retry, a resend after a crash) carries the same Message-ID, and
// no two windows share one.
func MessageID(subID string, start time.Time) string {
	var buf [96]byte
	key := strconv.AppendInt(append(append(buf[:0], subID...), '|'), start.UnixMilli(), 10)
	h := sha256.Sum256(key)
	var id [len(messageIDPrefix) + 24]byte
	copy(id[:], messageIDPrefix)
	hex.Encode(id[len(messageIDPrefix):], h[:12])
	return string(id[:])
}

const messageIDPrefix = "herald."

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
