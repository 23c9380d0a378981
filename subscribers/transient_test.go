package subscribers_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/redistest"
	"herald/subscribers"
)

// Transient tells Redis being away (hand the work back at once) from an
// answer about the data (it would fail the same way again), on errors a
// real server and a closed port give.
func TestTransient(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	rdb.Set(ctx, prefix+"str", "x", 0)
	wrongType := rdb.ZAdd(ctx, prefix+"str", redis.Z{Member: "a"}).Err()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	away := redis.NewClient(&redis.Options{Addr: closed, MaxRetries: -1, DialTimeout: time.Second})
	defer away.Close()
	dialErr := away.Ping(ctx).Err()
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"a wrong type", wrongType, false},
		{"a refused dial", dialErr, true},
		{"replicas did not acknowledge", fmt.Errorf("acquire x: %w", subscribers.ErrNotDurable), true},
		{"a deadline", context.DeadlineExceeded, true},
	} {
		if c.err == nil && c.name != "nil" {
			t.Fatalf("%s: the server gave no error", c.name)
		}
		if got := subscribers.Transient(c.err); got != c.want {
			t.Errorf("Transient(%s: %v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
