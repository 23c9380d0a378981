package digest_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"herald/subscribers"
)

// masterAway answers the first lease and the first requeue as a dead
// master would (no reply), then passes through.
type masterAway struct {
	*subscribers.Store
	acquires, resyncs atomic.Int32 // still to fail
}

var errRefused = errors.New("dial tcp 127.0.0.1:7001: connect: connection refused")

func (m *masterAway) AcquireMany(ctx context.Context, ids []string, token string, now time.Time, lease time.Duration) ([]*subscribers.Subscriber, []error) {
	if m.acquires.Add(-1) < 0 {
		return m.Store.AcquireMany(ctx, ids, token, now, lease)
	}
	errs := make([]error, len(ids))
	for i := range errs {
		errs[i] = errRefused
	}
	return make([]*subscribers.Subscriber, len(ids)), errs
}

func (m *masterAway) Resync(ctx context.Context, id string, at time.Time) error {
	if m.resyncs.Add(-1) < 0 {
		return m.Store.Resync(ctx, id, at)
	}
	return errRefused
}

// A reader whose lease could not be taken, and whose requeue found Redis
// away too, is put back in line by the next claim once Redis answers: it
// is sent seconds later, not after its claim's lease.
func TestRequeueRetriedOnceRedisAnswers(t *testing.T) {
	t0 := mustTime("2026-11-27T06:00:00Z")
	e := newEnv(t, t0)
	away := &masterAway{Store: e.subs}
	away.acquires.Store(1)
	away.resyncs.Store(1)
	e.runner.Subscribers = away
	e.addReader("away@example.com", "UTC", "daily 07:00", "japan")
	e.clock.Set(t0.Add(time.Minute))
	e.ingest("s1", t0, "Japan")
	at := mustTime("2026-11-27T07:00:03Z")
	e.clock.Set(at)
	if st := e.run(); st.Sent != 0 {
		t.Fatalf("sent with the master away: %+v", st)
	}
	e.clock.Set(at.Add(3 * time.Second)) // past Settle, well within the claim's lease
	if st := e.run(); st.Sent != 1 {
		t.Fatalf("3s later: %+v; want the reader sent, not held for the claim's lease (%v)", st, e.runner.Lease)
	}
}
