package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/redistest"
	"herald/stories"
	"herald/subscribers"
)

// dumpKeys is DUMP and PEXPIRETIME of every key under prefix.
func dumpKeys(t *testing.T, rdb redis.UniversalClient, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		dump, err := rdb.Dump(ctx, k).Result()
		if err != nil {
			t.Fatalf("DUMP %s: %v", k, err)
		}
		exp, err := rdb.Do(ctx, "PEXPIRETIME", k).Int64()
		if err != nil {
			t.Fatalf("PEXPIRETIME %s: %v", k, err)
		}
		out[k] = dump + "|" + time.UnixMilli(exp).String()
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// seedDue imports the example stories, adds readers and makes them due now.
func seedDue(t *testing.T, rdb redis.UniversalClient, prefix string, base []string) int {
	t.Helper()
	// The stories landed an hour ago: a real run's window ends a moment
	// before its claim, and the test does not wait for that moment.
	b, err := os.ReadFile("../../examples/stories.json")
	if err != nil {
		t.Fatal(err)
	}
	list, err := stories.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	hourAgo := func() time.Time { return time.Now().Add(-time.Hour) }
	for _, s := range list {
		if _, err := stories.NewStore(rdb, prefix, stories.Options{Now: hourAgo}).Put(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	for _, email := range []string{"dry1@example.com", "dry2@example.com"} {
		if out, err := runCLI(t, append([]string{"subscribers", "add", "--email", email, "--topics", "japan,south-korea"}, base...)...); err != nil {
			t.Fatalf("add: %v\n%s", err, out)
		}
	}
	st := subscribers.NewStore(rdb, prefix, nil)
	subs, _, err := st.List(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if err := st.MarkDue(context.Background(), s.ID, time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	return len(subs)
}

// A dry run and a preview write messages and leave every key in Redis
// byte-identical; the real run after them still sends every message.
func TestDryRunChangesNothing(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	base := []string{"--redis-url", "redis://" + redistest.Addr(t) + "/0", "--redis-prefix", prefix, "--secret", testSecret}
	n := seedDue(t, rdb, prefix, base)
	before := dumpKeys(t, rdb, prefix)

	dir := filepath.Join(t.TempDir(), "dry")
	out, err := runCLI(t, append([]string{"run", "--once", "--dry-run", "--out", dir}, base...)...)
	if err != nil || !strings.Contains(out, "2 due, 2 messages written") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if files, _ := os.ReadDir(dir); len(files) != n {
		t.Errorf("dry run wrote %d files, want %d", len(files), n)
	}
	if out, err := runCLI(t, append([]string{"preview", "dry1@example.com", "-o", filepath.Join(dir, "p.txt")}, base...)...); err != nil {
		t.Fatalf("preview: %v\n%s", err, out)
	}
	if after := dumpKeys(t, rdb, prefix); !reflect.DeepEqual(before, after) {
		t.Errorf("Redis changed: %d keys before, %d after", len(before), len(after))
		for k, v := range after {
			if before[k] != v {
				t.Errorf("key %s changed", k)
			}
		}
	}
	real := filepath.Join(t.TempDir(), "real")
	out, err = runCLI(t, append([]string{"run", "--once", "--outbox", real}, base...)...)
	if err != nil || !strings.Contains(out, "sent 2") || !strings.Contains(out, "consumed") {
		t.Errorf("real run after the dry run: %v\n%s", err, out)
	}
}

// status counts the digests that found no stories and shows when
// run --once last ran.
func TestStatusCountsEmptyAndRunOnce(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	base := []string{"--redis-url", "redis://" + redistest.Addr(t) + "/0", "--redis-prefix", prefix, "--secret", testSecret}
	for _, email := range []string{"e1@example.com", "e2@example.com", "e3@example.com"} {
		if out, err := runCLI(t, append([]string{"subscribers", "add", "--email", email, "--topics", "nothing-here"}, base...)...); err != nil {
			t.Fatalf("add: %v\n%s", err, out)
		}
	}
	st := subscribers.NewStore(rdb, prefix, nil)
	subs, _, _ := st.List(context.Background(), "", 10)
	for _, s := range subs {
		if err := st.MarkDue(context.Background(), s.ID, time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	out, err := runCLI(t, append([]string{"run", "--once", "--outbox", t.TempDir()}, base...)...)
	if err != nil || !strings.Contains(out, "no stories 3") {
		t.Fatalf("run --once: %v\n%s", err, out)
	}
	out, err = runCLI(t, append([]string{"status"}, base...)...)
	if err != nil || !strings.Contains(out, "no stories:     3 digests") || strings.Contains(out, "last tick:      -") {
		t.Errorf("status: %v\n%s", err, out)
	}
}
