package stories_test

import (
	"context"
	"testing"
	"time"

	"herald/stories"
)

// GetManyKnown gives back the reader's own copy of a story whose stored
// bytes are unchanged, and decodes one that was edited since.
func TestGetManyKnownKeepsUnchangedCopies(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.put(t, validStory("a"))
	f.put(t, validStory("b"))
	first, err := f.store.GetManyKnown(ctx, []string{"a", "b"}, nil)
	if err != nil || len(first) != 2 || first["a"].Sum == 0 || first["a"].Sum == first["b"].Sum {
		t.Fatalf("first read = %v, %v; want a and b with their own sums", first, err)
	}
	edited := validStory("b")
	edited.Headline = "An edited headline"
	f.put(t, edited)
	held := func(id string) (stories.Known, bool) { k, ok := first[id]; return k, ok }
	again, err := f.store.GetManyKnown(ctx, []string{"a", "b", "missing"}, held)
	if err != nil || len(again) != 2 {
		t.Fatalf("second read = %v, %v", again, err)
	}
	if again["a"].Story != first["a"].Story {
		t.Error("unchanged story a decoded again: want the held copy")
	}
	if again["b"].Story == first["b"].Story || again["b"].Story.Headline != edited.Headline || again["b"].Sum == first["b"].Sum {
		t.Errorf("edited story b = %+v; want the edit, decoded, with a new sum", again["b"])
	}
	byID, err := f.store.GetMany(ctx, []string{"a"})
	if err != nil || byID["a"] == first["a"].Story || byID["a"].ID != "a" {
		t.Errorf("GetMany = %v, %v; want a copy of its own", byID, err)
	}
	// A story stored before revisions were kept is read whole.
	f.rdb.Del(ctx, f.prefix+"storyrev:a")
	old, err := f.store.GetManyKnown(ctx, []string{"a"}, held)
	if err != nil || old["a"].Story == first["a"].Story || old["a"].Story.ID != "a" {
		t.Errorf("without its revision a = %+v, %v; want it read and decoded", old["a"], err)
	}
}

// Put keeps a story's revision beside it, expiring with it, a new one for
// an edit; Delete removes it.
func TestRevisionKey(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	key := f.prefix + "storyrev:a"
	f.put(t, validStory("a"))
	rev := f.rdb.Get(ctx, key).Val()
	raw, _ := f.rdb.Get(ctx, f.prefix+"story:a").Bytes()
	if rev == "" || rev != stories.Rev(raw) {
		t.Fatalf("revision %q, want Rev of the stored story %q", rev, stories.Rev(raw))
	}
	storyTTL := f.rdb.PTTL(ctx, f.prefix+"story:a").Val()
	if ttl := f.rdb.PTTL(ctx, key).Val(); ttl <= 0 || ttl > storyTTL+time.Second || ttl < storyTTL-time.Second {
		t.Errorf("revision TTL %v, want the story's %v", ttl, storyTTL)
	}
	edited := validStory("a")
	edited.Headline = "Edited"
	f.put(t, edited)
	if got := f.rdb.Get(ctx, key).Val(); got == rev {
		t.Error("an edit kept the old revision")
	}
	if ttl := f.rdb.PTTL(ctx, key).Val(); ttl > storyTTL+time.Second || ttl <= 0 {
		t.Errorf("revision TTL after an edit %v, want the story's (at most %v)", ttl, storyTTL)
	}
	if err := f.store.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if n := f.rdb.Exists(ctx, key).Val(); n != 0 {
		t.Error("Delete left the revision")
	}
}
