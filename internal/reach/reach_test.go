package reach_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"herald/digest"
	"herald/internal/reach"
	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/stories"
)

func TestMain(m *testing.M) { redistest.Main(m) }

var t0 = time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)

// countingWriter is a stories.Store that counts its writes and can be
// made to fail.
type countingWriter struct {
	*stories.Store
	mu     sync.Mutex
	writes int
	fail   error
}

func (w *countingWriter) AddReach(ctx context.Context, counts map[string]map[string]int64) error {
	w.mu.Lock()
	w.writes++
	fail := w.fail
	w.mu.Unlock()
	if fail != nil {
		return fail
	}
	return w.Store.AddReach(ctx, counts)
}

func (w *countingWriter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes
}

func sent(kind string, alert bool, ids ...string) digest.Delivery {
	return digest.Delivery{Result: "sent", Channel: kind, Alert: alert, StoryIDs: ids}
}

func newTally(t *testing.T) (*reach.Tally, *countingWriter, *settable.Clock) {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	clock := settable.New(t0)
	w := &countingWriter{Store: stories.NewStore(rdb, prefix, stories.Options{Now: clock.Now})}
	return reach.New(w, clock.Now, 5*time.Second, nil), w, clock
}

func reachOf(t *testing.T, w *countingWriter, ids ...string) map[string]stories.Reach {
	t.Helper()
	got, err := w.ReachOf(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Counts wait in memory until the oldest is Every old, then one write
// takes them all; only accepted messages count, each story once a message.
func TestTallyWritesWhenOldestIsDue(t *testing.T) {
	tally, w, clock := newTally(t)
	tally.Add(sent("email", false, "a", "b"))
	tally.Add(digest.Delivery{Result: "temporary", Channel: "email", StoryIDs: []string{"a"}})
	clock.Add(4 * time.Second)
	tally.Add(sent("slack", true, "a"))
	if w.count() != 0 {
		t.Fatalf("%d writes before the oldest count was 5s old", w.count())
	}
	clock.Add(time.Second)
	tally.Add(sent("email", true, "b"))
	if w.count() != 1 {
		t.Fatalf("%d writes once due, want 1", w.count())
	}
	got := reachOf(t, w, "a", "b")
	want := map[string]stories.Reach{"a": {reach.EmailDigest: 1, reach.SlackAlert: 1}, "b": {reach.EmailDigest: 1, reach.EmailAlert: 1}}
	for id, r := range want {
		for c, n := range r {
			if got[id][c] != n {
				t.Errorf("%s %s = %d, want %d (all: %v)", id, c, got[id][c], n, got)
			}
		}
	}
	clock.Add(time.Second)
	tally.Add(sent("email", false, "a"))
	if w.count() != 1 {
		t.Errorf("a write 1s after the last: %d writes", w.count())
	}
}

// Flush writes what is left at once (end of a run, shutdown); a failed
// write keeps the counts for the next one.
func TestTallyFlushKeepsCountsOnFailure(t *testing.T) {
	tally, w, _ := newTally(t)
	tally.Add(sent("slack", false, "a"))
	w.fail = errors.New("redis away")
	if err := tally.Flush(context.Background()); err == nil {
		t.Fatal("flush with a failing writer: no error")
	}
	tally.Add(sent("slack", false, "a"))
	w.fail = nil
	if err := tally.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := reachOf(t, w, "a")["a"][reach.SlackDigest]; got != 2 {
		t.Errorf("slack digests of a = %d, want 2 (one kept from the failed write)", got)
	}
	if err := tally.Flush(context.Background()); err != nil || w.count() != 2 {
		t.Errorf("flush with nothing to write: %v, %d writes, want none", err, w.count())
	}
}
