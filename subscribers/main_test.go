package subscribers_test

import (
	"context"
	"testing"
	"time"

	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/subscribers"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// newStore returns a store on the package's Redis with a fresh prefix.
func newStore(t *testing.T, now time.Time) (*subscribers.Store, *settable.Clock) {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	c := settable.New(now)
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
