package subscribers_test

import (
	"context"
	"testing"
	"time"

	"herald/internal/redistest"
	"herald/subscribers"
)

// Upcoming lists who falls due next across the due shards, soonest first,
// leaving out who is due already.
func TestUpcoming(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	st := subscribers.NewStore(rdb, prefix, func() time.Time { return now })
	ctx := context.Background()
	for i, id := range []string{"a", "b", "c", "d", "e"} {
		sub := &subscribers.Subscriber{ID: id, Email: id + "@example.com", TimeZone: "UTC", Schedule: "daily 07:00", Topics: []string{"japan"}}
		if err := st.Add(ctx, sub); err != nil {
			t.Fatal(err)
		}
		if err := st.MarkDue(ctx, id, now.Add(time.Duration(i-1)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Upcoming(ctx, now, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"c", "d", "e"} // a is overdue, b due now
	if len(got) != 3 {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i, u := range got {
		if u.ID != want[i] || !u.At.Equal(now.Add(time.Duration(i+1)*time.Hour)) {
			t.Errorf("%d: %+v, want %s at +%dh", i, u, want[i], i+1)
		}
	}
}
