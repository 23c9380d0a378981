package keylease_test

import (
	"context"
	"testing"
	"time"

	"herald/internal/keylease"
	"herald/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// One owner at a time; the owner renews; only the owner releases.
func TestHoldAndRelease(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx, key := context.Background(), prefix+"lease"
	step := func(name string, got bool, err error, want bool) {
		t.Helper()
		if err != nil || got != want {
			t.Fatalf("%s: %v, %v; want %v", name, got, err, want)
		}
	}
	ok, err := keylease.Hold(ctx, rdb, key, "a", time.Minute)
	step("a takes", ok, err, true)
	ok, err = keylease.Hold(ctx, rdb, key, "b", time.Minute)
	step("b while a holds", ok, err, false)
	ok, err = keylease.Hold(ctx, rdb, key, "a", time.Hour)
	step("a renews", ok, err, true)
	if ttl := rdb.PTTL(ctx, key).Val(); ttl < 59*time.Minute {
		t.Errorf("renewed ttl %v, want about an hour", ttl)
	}
	if err := keylease.Release(ctx, rdb, key, "b"); err != nil || rdb.Exists(ctx, key).Val() != 1 {
		t.Fatalf("b released a's lease: %v", err)
	}
	if err := keylease.Release(ctx, rdb, key, "a"); err != nil || rdb.Exists(ctx, key).Val() != 0 {
		t.Fatalf("a's release left the key: %v", err)
	}
	ok, err = keylease.Hold(ctx, rdb, key, "b", time.Minute)
	step("b after a released", ok, err, true)
}
