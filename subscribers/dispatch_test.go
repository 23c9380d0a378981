package subscribers_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/subscribers"
)

// Subscribers added at t0 with "daily 07:00" UTC are due at 07:00Z.
var due0 = utc("2026-06-01T07:00:00Z")

func TestClaimConcurrentClaimersTakeEachOnce(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := subscribers.NewStore(rdb, prefix, func() time.Time { return t0 })
	ctx := context.Background()
	const n = 500
	for i := range n {
		mustAdd(t, st, &subscribers.Subscriber{Email: fmt.Sprintf("r%03d@example.com", i)})
	}
	other, _ := redistest.Client(t) // a second connection pool, as a second process would have
	stores := []*subscribers.Store{st, subscribers.NewStore(other, prefix, nil)}

	now := due0.Add(time.Minute)
	claimed := make([][]string, len(stores))
	var wg sync.WaitGroup
	for w, s := range stores {
		wg.Go(func() {
			for {
				ids, err := s.Claim(ctx, now, 7, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ids) == 0 {
					return
				}
				claimed[w] = append(claimed[w], ids...)
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for _, ids := range claimed {
		for _, id := range ids {
			seen[id]++
		}
	}
	if len(seen) != n {
		t.Errorf("claimed %d distinct ids, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("%s claimed %d times", id, c)
		}
	}
	t.Logf("claimer shares: %d and %d", len(claimed[0]), len(claimed[1]))
}

func TestClaimLease(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	a := mustAdd(t, st, &subscribers.Subscriber{Email: "a@example.com"})
	b := mustAdd(t, st, &subscribers.Subscriber{Email: "b@example.com", Schedule: "daily 08:00"})

	if ids := claim(t, st, due0.Add(-time.Millisecond)); len(ids) != 0 {
		t.Errorf("claimed %v before anything was due", ids)
	}
	now := due0.Add(2 * time.Hour) // both due: a at 07:00, b at 08:00
	if ids := claim(t, st, now); !slices.Equal(ids, []string{a.ID, b.ID}) {
		t.Errorf("claimed %v, want oldest first [%s %s]", ids, a.ID, b.ID)
	}
	if ids := claim(t, st, now.Add(59*time.Second)); len(ids) != 0 {
		t.Errorf("claimed %v again within the lease", ids)
	}
	n, _, _ := st.Backlog(ctx, now)
	if n != 0 {
		t.Errorf("Backlog during the lease = %d", n)
	}
	if ids := claim(t, st, now.Add(time.Minute)); len(ids) != 2 {
		t.Errorf("after the lease claimed %v, want both again", ids)
	}
}

func claim(t *testing.T, st *subscribers.Store, now time.Time) []string {
	t.Helper()
	ids, err := st.Claim(context.Background(), now, 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestAcquireComplete(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	sub := mustAdd(t, st, &subscribers.Subscriber{Email: "a@example.com", Topics: []string{"japan"}})
	now := due0.Add(time.Minute)
	claim(t, st, now)

	got, err := st.Acquire(ctx, sub.ID, "tok-A", now, time.Minute)
	if err != nil || got.ID != sub.ID || !slices.Equal(got.Topics, []string{"japan"}) || !got.Cursor.Equal(t0) {
		t.Fatalf("Acquire = %+v, %v", got, err)
	}
	if _, err := st.Acquire(ctx, sub.ID, "tok-B", now.Add(30*time.Second), time.Minute); !errors.Is(err, subscribers.ErrBusy) {
		t.Errorf("second Acquire within the lease = %v, want ErrBusy", err)
	}
	if _, err := st.Acquire(ctx, sub.ID, "tok-A", now.Add(30*time.Second), time.Minute); err != nil {
		t.Errorf("holder re-Acquire = %v", err)
	}
	if _, err := st.Acquire(ctx, "nope", "tok-A", now, time.Minute); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("Acquire(missing) = %v", err)
	}
	if err := st.Complete(ctx, sub.ID, "tok-B", now, due0.Add(24*time.Hour)); !errors.Is(err, subscribers.ErrLeaseLost) {
		t.Errorf("Complete with a foreign token = %v, want ErrLeaseLost", err)
	}
	next := due0.Add(24 * time.Hour)
	if err := st.Complete(ctx, sub.ID, "tok-A", now, next); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Get(ctx, sub.ID)
	if !got.Cursor.Equal(now) || !got.NextDue.Equal(next) {
		t.Errorf("after Complete cursor %v next %v, want %v %v", got.Cursor, got.NextDue, now, next)
	}
	if ids := claim(t, st, next.Add(-time.Millisecond)); len(ids) != 0 {
		t.Errorf("claimed %v before the next due time", ids)
	}
	if ids := claim(t, st, next); !slices.Equal(ids, []string{sub.ID}) {
		t.Errorf("at the next due time claimed %v", ids)
	}
	if err := st.Complete(ctx, sub.ID, "tok-A", now, next); !errors.Is(err, subscribers.ErrLeaseLost) {
		t.Errorf("second Complete = %v, want ErrLeaseLost", err)
	}
}

func TestLeaseExpiresToAnotherWorker(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	sub := mustAdd(t, st, &subscribers.Subscriber{Email: "a@example.com"})
	now := due0.Add(time.Minute)
	if _, err := st.Acquire(ctx, sub.ID, "crashed", now, time.Minute); err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Minute)
	if ids := claim(t, st, later); !slices.Equal(ids, []string{sub.ID}) {
		t.Fatalf("reclaim after the lease: %v", ids)
	}
	if _, err := st.Acquire(ctx, sub.ID, "fresh", later, time.Minute); err != nil {
		t.Fatalf("Acquire after the lease = %v", err)
	}
	if err := st.Complete(ctx, sub.ID, "crashed", now, later); !errors.Is(err, subscribers.ErrLeaseLost) {
		t.Errorf("late Complete of the crashed worker = %v, want ErrLeaseLost", err)
	}
	if err := st.Complete(ctx, sub.ID, "fresh", later, later.Add(24*time.Hour)); err != nil {
		t.Error(err)
	}
}

// leased is a stored subscriber, claimed and leased to "tok" at now.
func leased(t *testing.T) (*subscribers.Store, *subscribers.Subscriber, time.Time) {
	t.Helper()
	st, _ := newStore(t, t0)
	sub := mustAdd(t, st, &subscribers.Subscriber{Email: "a@example.com"})
	now := due0.Add(time.Minute)
	claim(t, st, now)
	mustAcquire(t, st, sub.ID, "tok", now)
	return st, sub, now
}

func TestRelease(t *testing.T) {
	st, sub, now := leased(t)
	ctx := context.Background()
	retry := now.Add(5 * time.Minute)
	if err := st.Release(ctx, sub.ID, "tok", retry, "smtp 451 try later"); err != nil {
		t.Fatal(err)
	}
	got, _ := st.Get(ctx, sub.ID)
	if !got.Cursor.Equal(t0) || got.LastError != "smtp 451 try later" || !got.NextDue.Equal(retry) {
		t.Errorf("after Release: %+v", got)
	}
	if ids := claim(t, st, retry); !slices.Equal(ids, []string{sub.ID}) {
		t.Errorf("at retry time claimed %v", ids)
	}
	if _, err := st.Acquire(ctx, sub.ID, "other", now.Add(time.Second), time.Minute); err != nil {
		t.Errorf("Acquire within the released lease = %v (the lease should be free)", err)
	}
	if err := st.Complete(ctx, sub.ID, "other", retry, retry.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Get(ctx, sub.ID); got.LastError != "" {
		t.Errorf("Complete kept last error %q", got.LastError)
	}
}

// Hold ends the lease like Release but counts no attempt: the channel
// failed, not the subscriber.
func TestHold(t *testing.T) {
	st, sub, now := leased(t)
	ctx := context.Background()
	retry := now.Add(5 * time.Minute)
	if err := st.Hold(ctx, sub.ID, "tok", retry, "relay down"); err != nil {
		t.Fatal(err)
	}
	got, _ := st.Get(ctx, sub.ID)
	if !got.Cursor.Equal(t0) || got.LastError != "relay down" || !got.NextDue.Equal(retry) || got.Attempts != 0 {
		t.Errorf("after Hold: %+v", got)
	}
	if _, err := st.Acquire(ctx, sub.ID, "other", now.Add(time.Second), time.Minute); err != nil {
		t.Errorf("Acquire within the held lease = %v (the lease should be free)", err)
	}
	if err := st.Hold(ctx, sub.ID, "tok", retry, "again"); !errors.Is(err, subscribers.ErrLeaseLost) {
		t.Errorf("Hold with the old token = %v, want ErrLeaseLost", err)
	}
}

func TestBounce(t *testing.T) {
	tests := []struct {
		name string
		sub  subscribers.Subscriber
		want subscribers.Status
	}{
		{"email", subscribers.Subscriber{Email: "a@example.com"}, subscribers.StatusBounced},
		{"slack", subscribers.Subscriber{SlackChannel: "C0123ABCD"}, subscribers.StatusFailing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := newStore(t, t0)
			ctx := context.Background()
			sub := mustAdd(t, st, &tt.sub)
			now := due0.Add(time.Minute)
			next := due0.Add(24 * time.Hour)

			mustAcquire(t, st, sub.ID, "tok", now)
			suppressed, err := st.Bounce(ctx, sub.ID, "tok", "550 no such user", 2, next)
			if err != nil || suppressed {
				t.Fatalf("first Bounce = %v, %v", suppressed, err)
			}
			got, _ := st.Get(ctx, sub.ID)
			if got.Bounces != 1 || got.Status != subscribers.StatusActive || !got.Cursor.Equal(t0) || !got.NextDue.Equal(next) {
				t.Errorf("after one bounce: %+v", got)
			}
			checkBacklog(t, st, next, 1)

			mustAcquire(t, st, sub.ID, "tok2", next)
			suppressed, err = st.Bounce(ctx, sub.ID, "tok2", "550 no such user", 2, next.Add(24*time.Hour))
			if err != nil || !suppressed {
				t.Fatalf("second Bounce = %v, %v", suppressed, err)
			}
			got, _ = st.Get(ctx, sub.ID)
			if got.Bounces != 2 || got.Status != tt.want || got.LastError != "550 no such user" || !got.NextDue.IsZero() {
				t.Errorf("after suppression: %+v", got)
			}
			checkBacklog(t, st, next.Add(365*24*time.Hour), 0)
			if _, err := st.Bounce(ctx, sub.ID, "tok2", "x", 2, next); !errors.Is(err, subscribers.ErrLeaseLost) {
				t.Errorf("Bounce without the lease = %v", err)
			}
		})
	}
}

func TestCompleteResetsBounces(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	sub := mustAdd(t, st, &subscribers.Subscriber{Email: "a@example.com"})
	now := due0.Add(time.Minute)
	mustAcquire(t, st, sub.ID, "tok", now)
	if _, err := st.Bounce(ctx, sub.ID, "tok", "550", 3, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	mustAcquire(t, st, sub.ID, "tok", now.Add(time.Hour))
	if err := st.Complete(ctx, sub.ID, "tok", now.Add(time.Hour), now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Get(ctx, sub.ID); got.Bounces != 0 || got.LastError != "" {
		t.Errorf("after a delivery bounces %d last error %q, want 0 and none", got.Bounces, got.LastError)
	}
}

func TestMarkDue(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	daily := mustAdd(t, st, &subscribers.Subscriber{Email: "a@example.com"}) // due 07:00
	instant := mustAdd(t, st, &subscribers.Subscriber{Email: "b@example.com", Schedule: "instant"})
	paused := mustAdd(t, st, &subscribers.Subscriber{Email: "c@example.com", Schedule: "instant", Status: subscribers.StatusPaused})

	at := utc("2026-06-01T06:30:00Z")
	for _, id := range []string{daily.ID, instant.ID, paused.ID} {
		if err := st.MarkDue(ctx, id, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.MarkDue(ctx, daily.ID, at.Add(10*time.Minute)); err != nil { // later: loses
		t.Fatal(err)
	}
	if ids := claim(t, st, at); !slices.Equal(sorted(ids...), sorted(daily.ID, instant.ID)) {
		t.Errorf("claimed %v at %v, want the daily and the instant subscriber", ids, at)
	}
	for _, id := range []string{daily.ID, instant.ID} {
		if got, _ := st.Get(ctx, id); !got.NextDue.Equal(at) {
			t.Errorf("%s NextDue %v, want %v", id, got.NextDue, at)
		}
	}
	if got, _ := st.Get(ctx, paused.ID); !got.NextDue.IsZero() {
		t.Errorf("paused NextDue %v, want none", got.NextDue)
	}
	if err := st.MarkDue(ctx, "nope", at); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("MarkDue(missing) = %v", err)
	}
}

// A story that lands while an instant alert is being delivered (after its
// window closed) keeps the subscriber due; without one it leaves the set.
func TestMarkDueDuringDelivery(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	sub := mustAdd(t, st, &subscribers.Subscriber{Email: "b@example.com", Schedule: "instant"})
	at := t0.Add(time.Minute)
	if err := st.MarkDue(ctx, sub.ID, at); err != nil {
		t.Fatal(err)
	}
	claimAt := at.Add(time.Second)
	claim(t, st, claimAt)
	mustAcquire(t, st, sub.ID, "tok", claimAt)
	late := claimAt.Add(time.Second)
	if err := st.MarkDue(ctx, sub.ID, late); err != nil {
		t.Fatal(err)
	}
	if err := st.Complete(ctx, sub.ID, "tok", claimAt, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if ids := claim(t, st, late); !slices.Equal(ids, []string{sub.ID}) {
		t.Fatalf("after a mid-delivery story claimed %v, want the subscriber again", ids)
	}
	mustAcquire(t, st, sub.ID, "tok2", late)
	if err := st.Complete(ctx, sub.ID, "tok2", late, time.Time{}); err != nil {
		t.Fatal(err)
	}
	checkBacklog(t, st, late.Add(24*time.Hour), 0)
	if got, _ := st.Get(ctx, sub.ID); !got.NextDue.IsZero() || !got.Cursor.Equal(late) {
		t.Errorf("after the second alert: next %v cursor %v", got.NextDue, got.Cursor)
	}
}

func TestCompleteOfInactiveLeavesDue(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	sub := mustAdd(t, st, &subscribers.Subscriber{Email: "a@example.com"})
	now := due0.Add(time.Minute)
	mustAcquire(t, st, sub.ID, "tok", now)
	sub.Status = subscribers.StatusUnsubscribed
	if err := st.Update(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if err := st.Complete(ctx, sub.ID, "tok", now, now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	checkBacklog(t, st, now.Add(48*time.Hour), 0)
}

func TestResyncAndBacklog(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	a := mustAdd(t, st, &subscribers.Subscriber{Email: "a@example.com"})
	mustAdd(t, st, &subscribers.Subscriber{Email: "b@example.com", Schedule: "daily 09:00"})
	n, oldest, err := st.Backlog(ctx, utc("2026-06-01T10:00:00Z"))
	if err != nil || n != 2 || !oldest.Equal(due0) {
		t.Errorf("Backlog = %d, %v, %v; want 2 since %v", n, oldest, err, due0)
	}
	if n, oldest, _ := st.Backlog(ctx, t0); n != 0 || !oldest.IsZero() {
		t.Errorf("Backlog before anything is due = %d, %v", n, oldest)
	}
	if err := st.Resync(ctx, a.ID, utc("2026-06-01T08:00:00Z")); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := st.Backlog(ctx, utc("2026-06-01T07:30:00Z")); n != 0 {
		t.Errorf("after Resync to 08:00, %d due at 07:30", n)
	}
	if err := st.Resync(ctx, a.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := st.Backlog(ctx, utc("2026-06-02T00:00:00Z")); n != 1 {
		t.Errorf("after Resync(zero), %d due, want 1", n)
	}
}

func mustAcquire(t *testing.T, st *subscribers.Store, id, token string, now time.Time) *subscribers.Subscriber {
	t.Helper()
	sub, err := st.Acquire(context.Background(), id, token, now, time.Minute)
	if err != nil {
		t.Fatalf("Acquire(%s, %s): %v", id, token, err)
	}
	return sub
}

func TestReactivateAfterBounce(t *testing.T) {
	st, clk := newStore(t, t0)
	ctx := context.Background()
	sub := mustAdd(t, st, &subscribers.Subscriber{Email: "a@example.com"})
	now := due0.Add(time.Minute)
	mustAcquire(t, st, sub.ID, "tok", now)
	if s, err := st.Bounce(ctx, sub.ID, "tok", "550", 1, time.Time{}); err != nil || !s {
		t.Fatalf("Bounce = %v, %v", s, err)
	}
	got, _ := st.Get(ctx, sub.ID)
	if err := st.MarkDue(ctx, sub.ID, now); err != nil {
		t.Fatal(err)
	}
	checkBacklog(t, st, now.Add(time.Hour), 0) // a bounced reader is never marked due
	clk.Set(now)
	got.Status = subscribers.StatusActive
	if err := st.Update(ctx, got); !errors.Is(err, subscribers.ErrSuppressed) {
		t.Fatalf("reactivating a bounced address without lifting the suppression: %v", err)
	}
	if lifted, err := st.Unsuppress(ctx, "A@example.com"); err != nil || !lifted {
		t.Fatalf("Unsuppress = %v, %v", lifted, err)
	}
	if err := st.Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Get(ctx, sub.ID)
	if got.Bounces != 0 || got.LastError != "" || !got.NextDue.Equal(due0.Add(24*time.Hour)) {
		t.Errorf("reactivated: %+v", got)
	}
	checkBacklog(t, st, due0.Add(24*time.Hour), 1)
}

// A due shard that cannot be read (its master just died) does not stop a
// claim: the other shards' IDs come back rather than wait behind the lease
// their claim set, and Claim fails only when nothing could be claimed.
func TestClaimLeavesOutAFailingShard(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := subscribers.NewStore(rdb, prefix, settable.New(t0).Now, subscribers.WithShards(4))
	ctx := context.Background()
	var ids []string
	for i := range 16 {
		ids = append(ids, mustAdd(t, st, &subscribers.Subscriber{Email: fmt.Sprintf("shard%02d@example.com", i)}).ID)
	}
	var broken string
	for _, k := range redistest.Keys(t, rdb, prefix+"due:*") {
		if rdb.ZScore(ctx, k, ids[0]).Err() == nil {
			broken = k
		}
	}
	lost := rdb.ZRange(ctx, broken, 0, -1).Val()
	if err := rdb.Set(ctx, broken, "not a sorted set", 0).Err(); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, id := range ids {
		if !slices.Contains(lost, id) {
			want = append(want, id)
		}
	}
	now := due0.Add(time.Minute)
	got, err := st.Claim(ctx, now, 100, time.Minute)
	slices.Sort(got)
	slices.Sort(want)
	if err != nil || len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("Claim = %v, %v; want the %d IDs of the other shards", got, err, len(want))
	}
	if got, err := st.Claim(ctx, now, 100, time.Minute); err == nil {
		t.Errorf("Claim with only the failing shard left = %v, nil; want its error", got)
	}
}
