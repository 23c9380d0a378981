package ratelimit

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/redistest"
	"herald/internal/settable"
)

func TestMain(m *testing.M) { redistest.Main(m) }

func TestTakeAcrossLimiters(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	other, _ := redistest.Client(t) // a second process's connection
	clock := settable.New(time.Date(2026, 12, 3, 10, 0, 15, 0, time.UTC))
	rate := Rate{Limit: 3, Window: time.Minute}
	a := mustNew(t, rdb, prefix, "signup", rate, clock.Now)
	b := mustNew(t, other, prefix, "signup", rate, clock.Now)
	for i, l := range []*Limiter{a, b, a} {
		if r := take(t, l, "192.0.2.1"); !r.Allowed || r.Count != i+1 {
			t.Fatalf("event %d: %+v", i+1, r)
		}
	}
	if r := take(t, b, "192.0.2.1"); r.Allowed || r.RetryAfter != 45*time.Second {
		t.Fatalf("4th event: %+v", r)
	}
	if r, err := a.Peek(t.Context(), "192.0.2.1"); err != nil || r.Allowed || r.Count != 4 {
		t.Fatalf("peek: %+v %v", r, err)
	}
	if r := take(t, a, "192.0.2.2"); !r.Allowed || r.Count != 1 {
		t.Fatalf("another client: %+v", r)
	}
	clock.Add(45 * time.Second)
	if r := take(t, b, "192.0.2.1"); !r.Allowed || r.Count != 1 || r.RetryAfter != time.Minute {
		t.Fatalf("next window: %+v", r)
	}
}

func TestPeekCountsNothing(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	clock := settable.New(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	l := mustNew(t, rdb, prefix, "auth", Rate{Limit: 1, Window: time.Hour}, clock.Now)
	for range 3 {
		if r, err := l.Peek(t.Context(), "c"); err != nil || !r.Allowed || r.Count != 0 {
			t.Fatalf("peek: %+v %v", r, err)
		}
	}
	take(t, l, "c")
	if r, _ := l.Peek(t.Context(), "c"); r.Allowed {
		t.Fatalf("peek after the limit: %+v", r)
	}
	keys := redistest.Keys(t, rdb, prefix+"*")
	if len(keys) != 1 {
		t.Fatalf("keys %v", keys)
	}
	if ttl := rdb.PTTL(t.Context(), keys[0]).Val(); ttl <= 0 || ttl > time.Hour+time.Second {
		t.Errorf("key expires in %v, want within the window", ttl)
	}
}

func TestNewRefusesBadRate(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	for _, r := range []Rate{{0, time.Minute}, {1, 0}} {
		if _, err := New(rdb, prefix, "signup", r, nil); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
}

func mustNew(t *testing.T, rdb redis.UniversalClient, prefix, name string, rate Rate, now func() time.Time) *Limiter {
	t.Helper()
	l, err := New(rdb, prefix, name, rate, now)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func take(t *testing.T, l *Limiter, client string) Result {
	t.Helper()
	r, err := l.Take(t.Context(), client)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
