package stories_test

import (
	"context"
	"testing"
	"time"

	"herald/stories"
)

// Reach counters add up, live in a key of the story's own that expires
// with retention, and go when the story is deleted.
func TestReach(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.put(t, validStory("a"))
	f.put(t, validStory("b"))
	add := map[string]map[string]int64{"a": {"email_digest": 2, "slack_alert": 1}, "b": {"email_alert": 1}}
	for range 2 {
		if err := f.store.AddReach(ctx, add); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.store.ReachOf(ctx, []string{"a", "b", "none"})
	if err != nil {
		t.Fatal(err)
	}
	if got["a"]["email_digest"] != 4 || got["a"]["slack_alert"] != 2 || got["b"]["email_alert"] != 2 || len(got["none"]) != 0 {
		t.Fatalf("reach %v", got)
	}
	ttl := f.rdb.TTL(ctx, f.prefix+"story:a:reach").Val()
	if ttl <= 29*24*time.Hour || ttl > stories.DefaultRetention {
		t.Errorf("reach TTL %v, want about the retention", ttl)
	}
	if err := f.store.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if n := f.rdb.Exists(ctx, f.prefix+"story:a:reach").Val(); n != 0 {
		t.Error("reach of a deleted story kept")
	}
}

// RecentMany reads several topics' newest entries in one go.
func TestRecentMany(t *testing.T) {
	f := newFixture(t)
	for i, id := range []string{"old", "mid", "new"} {
		f.clock.Set(t0.Add(time.Duration(i) * time.Minute))
		f.put(t, validStory(id, "Japan"))
	}
	f.put(t, validStory("k", "South Korea"))
	got, err := f.store.RecentMany(context.Background(), []string{"japan", "south-korea", "chess"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	j := got["japan"]
	if len(j) != 2 || j[0].ID != "new" || j[1].ID != "mid" || len(got["south-korea"]) != 1 || got["chess"] != nil {
		t.Fatalf("recent %v", got)
	}
}
