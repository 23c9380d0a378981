package subscribers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/subscribers"
)

const week = 7 * 24 * time.Hour

func pending(email string, topics ...string) *subscribers.Subscriber {
	return &subscribers.Subscriber{Email: email, TimeZone: "UTC", Schedule: "daily at 7:00",
		Topics: topics, Status: subscribers.StatusPending}
}

func wantExpired(t *testing.T, st *subscribers.Store, want int) {
	t.Helper()
	n, err := st.ExpirePending(context.Background(), week)
	if err != nil || n != want {
		t.Fatalf("ExpirePending = %d, %v; want %d", n, err, want)
	}
}

func wantGone(t *testing.T, st *subscribers.Store, id string, gone bool) {
	t.Helper()
	_, err := st.Get(context.Background(), id)
	if errors.Is(err, subscribers.ErrNotFound) != gone {
		t.Fatalf("Get(%s) = %v, want gone %v", id, err, gone)
	}
}

func TestExpirePending(t *testing.T) {
	st, clock := newStore(t, t0)
	ctx := context.Background()
	old := mustAdd(t, st, pending("old@example.com", "japan"))
	active := mustAdd(t, st, &subscribers.Subscriber{Email: "ann@example.com", TimeZone: "UTC", Topics: []string{"japan"}})
	clock.Add(3 * 24 * time.Hour)
	young := mustAdd(t, st, pending("young@example.com", "japan"))
	clock.Set(t0.Add(week))
	wantExpired(t, st, 0) // exactly a week: not yet older than it
	clock.Add(time.Millisecond)
	wantExpired(t, st, 1)
	wantGone(t, st, old.ID, true)
	wantGone(t, st, young.ID, false)
	wantGone(t, st, active.ID, false)
	if n, _ := st.FollowerCounts(ctx, []string{"japan"}); n["japan"] != 2 {
		t.Errorf("japan followers %d after the expiry, want 2", n["japan"])
	}
	// The address is free again: signing up anew works.
	mustAdd(t, st, pending("old@example.com", "japan"))

	// A confirmed subscriber never expires.
	young.Status = subscribers.StatusActive
	if err := st.Update(ctx, young); err != nil {
		t.Fatal(err)
	}
	clock.Add(4 * week)
	wantExpired(t, st, 1) // the new old@example.com
	wantGone(t, st, young.ID, false)
}

func TestExpirePendingCountsFromTheLastWrite(t *testing.T) {
	st, clock := newStore(t, t0)
	sub := mustAdd(t, st, pending("p@example.com", "japan"))
	clock.Add(6 * 24 * time.Hour)
	sub.Topics = []string{"japan", "markets"} // signed up again: a new confirmation
	if err := st.Update(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * 24 * time.Hour)
	wantExpired(t, st, 0)
	clock.Add(5*24*time.Hour + time.Second)
	wantExpired(t, st, 1)
	wantGone(t, st, sub.ID, true)
}

func TestExpirePendingDropsStaleEntries(t *testing.T) {
	st, clock := newStore(t, t0)
	ctx := context.Background()
	bounced := mustAdd(t, st, pending("b@example.com", "japan"))
	if _, err := st.ReportBounce(ctx, bounced.ID, "550 no such user", 1); err != nil {
		t.Fatal(err)
	}
	removed := mustAdd(t, st, pending("r@example.com", "japan"))
	if err := st.Remove(ctx, removed.ID); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * week)
	wantExpired(t, st, 0)
	if got, err := st.Get(ctx, bounced.ID); err != nil || got.Status != subscribers.StatusBounced {
		t.Fatalf("bounced subscriber: %+v %v", got, err)
	}
}

func TestExpirePendingEveryShard(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	clock := settable.New(t0)
	st := subscribers.NewStore(rdb, prefix, clock.Now, subscribers.WithShards(4))
	var ids []string
	for i := range 12 {
		ids = append(ids, mustAdd(t, st, pending(string(rune('a'+i))+"@example.com", "japan")).ID)
	}
	clock.Add(week + time.Second)
	wantExpired(t, st, len(ids))
	for _, id := range ids {
		wantGone(t, st, id, true)
	}
	if keys := redistest.Keys(t, rdb, prefix+"pending:*"); len(keys) != 0 {
		t.Errorf("pending shards left: %v", keys)
	}
}

func TestCooldown(t *testing.T) {
	st, clock := newStore(t, t0)
	ctx := context.Background()
	start := func(email string, want bool) {
		t.Helper()
		ok, err := st.StartCooldown(ctx, email, time.Hour)
		if err != nil || ok != want {
			t.Fatalf("StartCooldown(%s) = %v, %v; want %v", email, ok, err, want)
		}
	}
	start("ann@example.com", true)
	start("ANN@example.com", false)
	start("bob@example.com", true)
	clock.Add(59 * time.Minute)
	start("ann@example.com", false)
	clock.Add(time.Minute)
	start("ann@example.com", true)
	if err := st.EndCooldown(ctx, "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	start("ann@example.com", true)
}
