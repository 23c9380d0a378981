package subscribers_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/subscribers"
)

// AcquireMany answers for each ID what Acquire would: leased, busy, gone.
func TestAcquireMany(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	a := mustAdd(t, st, &subscribers.Subscriber{Email: "a@example.com", Topics: []string{"japan", "korea"}})
	b := mustAdd(t, st, &subscribers.Subscriber{Email: "b@example.com"})
	now := due0.Add(time.Minute)
	mustAcquire(t, st, b.ID, "other", now)

	subs, errs := st.AcquireMany(ctx, []string{a.ID, b.ID, "gone"}, "tok", now, time.Minute)
	if errs[0] != nil || subs[0] == nil || subs[0].ID != a.ID || !slices.Equal(subs[0].Topics, []string{"japan", "korea"}) {
		t.Errorf("AcquireMany[a] = %+v, %v", subs[0], errs[0])
	}
	if !errors.Is(errs[1], subscribers.ErrBusy) || subs[1] != nil {
		t.Errorf("AcquireMany[b] (leased by another) = %v, %v; want ErrBusy", subs[1], errs[1])
	}
	if !errors.Is(errs[2], subscribers.ErrNotFound) {
		t.Errorf("AcquireMany[gone] = %v, want ErrNotFound", errs[2])
	}
	if _, err := st.Acquire(ctx, a.ID, "third", now, time.Minute); !errors.Is(err, subscribers.ErrBusy) {
		t.Errorf("Acquire after AcquireMany = %v, want ErrBusy (the lease is held)", err)
	}
	if _, errs := st.AcquireMany(ctx, []string{a.ID}, "", now, time.Minute); errs[0] == nil {
		t.Error("AcquireMany without a token succeeded")
	}
}

// CompleteMany moves each cursor and due time as Complete does, refuses a
// foreign token per subscriber, and leaves an inactive one out of the due
// set.
func TestCompleteMany(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	a := mustAdd(t, st, &subscribers.Subscriber{Email: "a@example.com"})
	b := mustAdd(t, st, &subscribers.Subscriber{Email: "b@example.com"})
	c := mustAdd(t, st, &subscribers.Subscriber{Email: "c@example.com"})
	now := due0.Add(time.Minute)
	for _, id := range []string{a.ID, b.ID, c.ID} {
		mustAcquire(t, st, id, "tok", now)
	}
	next := due0.Add(24 * time.Hour)
	errs := st.CompleteMany(ctx, []subscribers.Completion{
		{ID: a.ID, Token: "tok", Cursor: now, NextDue: next},
		{ID: b.ID, Token: "not-mine", Cursor: now, NextDue: next},
		{ID: c.ID, Token: "tok", Cursor: now}, // no next due time: leaves the due set
		{ID: "gone", Token: "tok", Cursor: now, NextDue: next},
	})
	if errs[0] != nil || !errors.Is(errs[1], subscribers.ErrLeaseLost) || errs[2] != nil || !errors.Is(errs[3], subscribers.ErrNotFound) {
		t.Fatalf("CompleteMany errors = %v", errs)
	}
	if got, _ := st.Get(ctx, a.ID); !got.Cursor.Equal(now) || !got.NextDue.Equal(next) {
		t.Errorf("a: cursor %v next %v, want %v %v", got.Cursor, got.NextDue, now, next)
	}
	if got, _ := st.Get(ctx, b.ID); !got.Cursor.Equal(t0) {
		t.Errorf("b (foreign token) cursor moved to %v", got.Cursor)
	}
	ids := claim(t, st, next)
	want := []string{a.ID, b.ID} // b kept its due time; c left the due set
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("due at the next time: %v, want a and b, not c", ids)
	}
	if err := st.Complete(ctx, a.ID, "tok", now, next); !errors.Is(err, subscribers.ErrLeaseLost) {
		t.Errorf("Complete after CompleteMany = %v, want ErrLeaseLost", err)
	}
}

// The subscriber's own log keeps LogAge of history, not LogCap entries of
// a daily reader's whole past: a month of daily digests leaves eight.
func TestCompleteManyTrimsTheLogByAge(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := subscribers.NewStore(rdb, prefix, settable.New(t0).Now)
	ctx := context.Background()
	a := mustAdd(t, st, &subscribers.Subscriber{Email: "a@example.com"})
	at := due0
	for day := range 30 {
		at = due0.Add(time.Duration(day) * 24 * time.Hour)
		mustAcquire(t, st, a.ID, "tok", at)
		entry := strconv.FormatInt(at.UnixMilli(), 10) + "\tsent\temail"
		errs := st.CompleteMany(ctx, []subscribers.Completion{{ID: a.ID, Token: "tok", Cursor: at, NextDue: at.Add(24 * time.Hour), Log: entry}})
		if errs[0] != nil {
			t.Fatal(errs[0])
		}
	}
	log, err := rdb.LRange(ctx, subscribers.LogKey(prefix, a.ID), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	oldest := at.Add(-subscribers.LogAge)
	if len(log) != 9 || !strings.HasPrefix(log[len(log)-1], strconv.FormatInt(oldest.UnixMilli(), 10)) {
		t.Errorf("log after 30 daily digests: %d entries, oldest %q; want 9, the oldest at %v", len(log), log[len(log)-1], oldest)
	}
}

// Within LogAge the log still keeps at most LogCap entries, the newest.
func TestCompleteManyCapsTheLog(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := subscribers.NewStore(rdb, prefix, settable.New(t0).Now)
	ctx := context.Background()
	a := mustAdd(t, st, &subscribers.Subscriber{Email: "a@example.com"})
	var last string
	for i := range subscribers.LogCap + 5 {
		at := due0.Add(time.Duration(i) * time.Minute)
		mustAcquire(t, st, a.ID, "tok", at)
		last = strconv.FormatInt(at.UnixMilli(), 10) + "\tsent\temail"
		errs := st.CompleteMany(ctx, []subscribers.Completion{{ID: a.ID, Token: "tok", Cursor: at, NextDue: at.Add(time.Hour), Log: last}})
		if errs[0] != nil {
			t.Fatal(errs[0])
		}
	}
	log, err := rdb.LRange(ctx, subscribers.LogKey(prefix, a.ID), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != subscribers.LogCap || log[0] != last {
		t.Errorf("log after %d completions: %d entries, newest %q; want %d, the newest %q", subscribers.LogCap+5, len(log), log[0], subscribers.LogCap, last)
	}
}
