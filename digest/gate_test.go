package digest_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"herald/digest"
	"herald/subscribers"
)

// flakyStore fails its first completion writes as an unreachable Redis
// would, and closes failing once the runner has retried one of them.
type flakyStore struct {
	*subscribers.Store
	fails   atomic.Int32 // completion writes still to fail
	calls   atomic.Int32
	failing chan struct{}
}

func (f *flakyStore) CompleteMany(ctx context.Context, cs []subscribers.Completion) []error {
	if f.fails.Add(-1) < 0 {
		return f.Store.CompleteMany(ctx, cs)
	}
	if f.calls.Add(1) == 2 { // the first retry: sending is paused by now
		close(f.failing)
	}
	errs := make([]error, len(cs))
	for i := range errs {
		errs[i] = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
	}
	return errs
}

// While a completion is retried the other workers wait to send, rather
// than drop the digests they hold behind their lease: the run sends every
// one of them once Redis answers again.
func TestStoreAwayPausesSendsWithoutDroppingThem(t *testing.T) {
	t0 := mustTime("2026-11-27T06:00:00Z")
	e := newEnv(t, t0)
	fs := &flakyStore{Store: e.subs, failing: make(chan struct{})}
	fs.fails.Store(3)
	e.runner.Subscribers, e.runner.Workers = fs, 2
	var ids []string
	for i := range 6 {
		ids = append(ids, e.addReader(fmt.Sprintf("away%d@example.com", i), "UTC", "daily 07:00", "japan").ID)
	}
	e.clock.Set(t0.Add(time.Minute))
	e.ingest("s1", t0, "Japan")
	e.clock.Set(mustTime("2026-11-27T07:00:03Z"))
	sends := 0
	e.ch.fail = func(*digest.Message, int) error {
		if sends++; sends > 1 {
			<-fs.failing // every later send starts while the first completion is retried
		}
		return nil
	}
	if st := e.run(); st.Sent != 6 {
		t.Fatalf("stats %+v: want all 6 sent in the run that found Redis away for a while", st)
	}
	for _, id := range ids {
		if got := e.get(id); !got.NextDue.After(e.clock.Now().Add(time.Hour)) {
			t.Errorf("%s: next due %v, want tomorrow's slot (completion lost?)", id, got.NextDue)
		}
	}
}
