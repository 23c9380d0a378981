package subscribers_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"herald/internal/redistest"
	"herald/subscribers"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// clock is a settable clock for the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// newStore returns a store on the package's Redis with a fresh prefix.
func newStore(t *testing.T, now time.Time) (*subscribers.Store, *clock) {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	c := newClock(now)
	return subscribers.NewStore(rdb, prefix, c.Now), c
}

// mustAdd adds sub or fails the test.
func mustAdd(t *testing.T, st *subscribers.Store, sub *subscribers.Subscriber) *subscribers.Subscriber {
	t.Helper()
	if err := st.Add(context.Background(), sub); err != nil {
		t.Fatalf("Add(%s): %v", sub.Email, err)
	}
	return sub
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
