package subscribers_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/subscribers"
)

// Many follows are kept in chunks no longer than Redis' listpack value
// limit, so the subscriber's hash stays compact; following and unfollowing
// rewrite the chunks and leave none behind.
func TestManyFollowsKeepTheHashCompact(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := subscribers.NewStore(rdb, prefix, settable.New(t0).Now)
	ctx := context.Background()
	var topics []string
	for i := range 30 {
		topics = append(topics, fmt.Sprintf("a-rather-long-topic-%02d", i))
	}
	sub := mustAdd(t, st, &subscribers.Subscriber{Email: "many@example.com", TimeZone: "UTC",
		Schedule: "daily 07:00", Topics: topics})
	key := prefix + "sub:{" + sub.ID + "}"
	assertTopics := func(step string, want []string, chunks int) {
		t.Helper()
		got, err := st.Get(ctx, sub.ID)
		if err != nil || !slices.Equal(got.Topics, want) {
			t.Errorf("%s: topics %v, %v; want %v", step, got.Topics, err, want)
		}
		h, _ := rdb.HGetAll(ctx, key).Result()
		n := 0
		for f, v := range h {
			if f == "topics" || len(f) > 6 && f[:6] == "topics" {
				n++
				if len(v) > 64 {
					t.Errorf("%s: %s is %d bytes, want at most 64", step, f, len(v))
				}
			}
		}
		if n != chunks {
			t.Errorf("%s: %d topics fields, want %d", step, n, chunks)
		}
		if enc, _ := rdb.ObjectEncoding(ctx, key).Result(); enc != "listpack" {
			t.Errorf("%s: hash encoding %q, want listpack", step, enc)
		}
	}
	assertTopics("add", topics, 15) // 30 slugs of 23 bytes: two a chunk
	if err := st.Unfollow(ctx, sub.ID, topics[2:]...); err != nil {
		t.Fatal(err)
	}
	assertTopics("unfollow", topics[:2], 1)
	if err := st.Follow(ctx, sub.ID, topics[2:5]...); err != nil {
		t.Fatal(err)
	}
	assertTopics("follow", topics[:5], 3)
	sub.Topics = topics[:1]
	if err := st.Update(ctx, sub); err != nil {
		t.Fatal(err)
	}
	assertTopics("update", topics[:1], 1)
}

// The default max_stories, which most subscribers keep, is not stored: the
// hash is a field shorter, and reads give the default back.
func TestDefaultMaxStoriesNotStored(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := subscribers.NewStore(rdb, prefix, settable.New(t0).Now)
	ctx := context.Background()
	for _, n := range []int{0, subscribers.DefaultMaxStories, 25} {
		sub := mustAdd(t, st, &subscribers.Subscriber{Email: fmt.Sprintf("max%d@example.com", n), MaxStories: n})
		stored, _ := rdb.HExists(ctx, prefix+"sub:{"+sub.ID+"}", "max_stories").Result()
		got, err := st.Get(ctx, sub.ID)
		want := max(n, subscribers.DefaultMaxStories)
		if err != nil || got.MaxStories != want || stored != (want != subscribers.DefaultMaxStories) {
			t.Errorf("max_stories %d: read %d (%v), stored %v; want %d, stored only when not the default", n, got.MaxStories, err, stored, want)
		}
	}
}
