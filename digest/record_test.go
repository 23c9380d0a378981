package digest_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"herald/digest"
)

// tallyLog is a memLog that also hears of empty digests.
type tallyLog struct {
	memLog
	mu      sync.Mutex
	empties []digest.Delivery
}

func (l *tallyLog) RecordEmpty(d digest.Delivery) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.empties = append(l.empties, d)
}

var _ digest.EmptyRecorder = (*tallyLog)(nil)

// A delivery record names the stories the message carried and whether it
// was an alert; a digest with no stories reaches an EmptyRecorder with its
// channel.
func TestDeliveryCarriesStoriesAndAlert(t *testing.T) {
	t0 := mustTime("2026-11-27T06:00:00Z")
	e := newEnv(t, t0)
	rec := &tallyLog{}
	e.runner.Recorder = rec
	daily := e.addReader("daily@example.com", "UTC", "daily 07:00", "japan")
	e.addReader("quiet@example.com", "UTC", "daily 07:00", "chess")
	instant := e.addReader("now@example.com", "UTC", "instant", "japan")
	e.clock.Set(t0.Add(30 * time.Minute))
	e.ingest("s1", t0, "Japan")
	e.ingest("s2", t0, "Japan")
	if err := e.subs.MarkDue(context.Background(), instant.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(mustTime("2026-11-27T07:00:05Z"))
	if st := e.run(); st.Sent != 2 || st.Empty != 1 {
		t.Fatalf("stats %+v, want two sent and one empty", st)
	}
	byID := map[string]digest.Delivery{}
	for _, d := range rec.list {
		byID[d.SubscriberID] = d
	}
	for id, alert := range map[string]bool{daily.ID: false, instant.ID: true} {
		d := byID[id]
		ids := slices.Sorted(slices.Values(d.StoryIDs))
		if d.Result != "sent" || !slices.Equal(ids, []string{"s1", "s2"}) || d.Alert != alert {
			t.Errorf("record of %s: result %s, stories %v, alert %v; want sent, [s1 s2], %v", id, d.Result, ids, d.Alert, alert)
		}
	}
	if len(rec.empties) != 1 || rec.empties[0].Channel != "email" || rec.empties[0].Result != "empty" {
		t.Errorf("empties %+v, want one on email", rec.empties)
	}
}
