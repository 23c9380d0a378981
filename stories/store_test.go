package stories_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/stories"
)

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

type fixture struct {
	store  *stories.Store
	rdb    redis.UniversalClient
	prefix string
	clock  *settable.Clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	clk := settable.New(t0)
	st := stories.NewStore(rdb, prefix, stories.Options{Now: clk.Now})
	return &fixture{store: st, rdb: rdb, prefix: prefix, clock: clk}
}

func (f *fixture) put(t *testing.T, s *stories.Story) bool {
	t.Helper()
	created, err := f.store.Put(context.Background(), s)
	if err != nil {
		t.Fatalf("Put(%q): %v", s.ID, err)
	}
	return created
}

// index returns a topic's index as id -> score (unix ms).
func (f *fixture) index(t *testing.T, slug string) map[string]int64 {
	t.Helper()
	zs, err := f.rdb.ZRangeWithScores(context.Background(), f.prefix+"topic:"+slug+":stories", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, z := range zs {
		out[z.Member.(string)] = int64(z.Score)
	}
	return out
}

func (f *fixture) keys(t *testing.T) []string {
	t.Helper()
	keys, err := f.rdb.Keys(context.Background(), f.prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestPutGet(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := validStory("a", "Japan", "South Korea")
	s.Headline = "<script>alert(1)</script> stays text"
	if !f.put(t, s) {
		t.Fatal("first Put: created = false, want true")
	}
	if !s.IngestedAt.Equal(t0) {
		t.Fatalf("IngestedAt = %v, want %v", s.IngestedAt, t0)
	}
	got, err := f.store.Get(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("Get = %+v\nwant %+v", got, s)
	}
	raw, _ := f.rdb.Get(ctx, f.prefix+"story:a").Result()
	if !strings.Contains(raw, "<script>") {
		t.Errorf("stored JSON %q: want HTML kept unescaped", raw)
	}
	ttl, _ := f.rdb.PTTL(ctx, f.prefix+"story:a").Result()
	if ttl <= 29*24*time.Hour || ttl > stories.DefaultRetention {
		t.Errorf("story TTL = %v, want about %v", ttl, stories.DefaultRetention)
	}
	for _, slug := range []string{"japan", "south-korea"} {
		if idx := f.index(t, slug); idx["a"] != t0.UnixMilli() {
			t.Errorf("index %s = %v, want a at %d", slug, idx, t0.UnixMilli())
		}
	}
}

func TestGetMissing(t *testing.T) {
	f := newFixture(t)
	_, err := f.store.Get(context.Background(), "nope")
	if !errors.Is(err, stories.ErrNotFound) {
		t.Fatalf("Get missing = %v, want ErrNotFound", err)
	}
}

func TestPutInvalidWritesNothing(t *testing.T) {
	f := newFixture(t)
	s := validStory("a")
	s.Headline = "two\nlines"
	_, err := f.store.Put(context.Background(), s)
	var ve *stories.ValidationError
	if !errors.As(err, &ve) || ve.Field != "headline" {
		t.Fatalf("Put invalid = %v, want a headline ValidationError", err)
	}
	if keys := f.keys(t); len(keys) != 0 {
		t.Fatalf("keys after invalid Put = %v, want none", keys)
	}
}

func TestPutIdempotent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.put(t, validStory("a", "Japan"))
	ttlBefore, _ := f.rdb.PTTL(ctx, f.prefix+"story:a").Result()

	f.clock.Add(time.Hour)
	update := validStory("a", "Japan")
	update.Headline = "Updated headline"
	if f.put(t, update) {
		t.Error("second Put: created = true, want false")
	}
	if !update.IngestedAt.Equal(t0) {
		t.Errorf("IngestedAt after update = %v, want first ingest %v", update.IngestedAt, t0)
	}
	got, err := f.store.Get(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Headline != "Updated headline" || !got.IngestedAt.Equal(t0) {
		t.Errorf("stored = %q at %v, want updated content at %v", got.Headline, got.IngestedAt, t0)
	}
	if idx := f.index(t, "japan"); len(idx) != 1 || idx["a"] != t0.UnixMilli() {
		t.Errorf("index = %v, want one entry at %d", idx, t0.UnixMilli())
	}
	if ttl, _ := f.rdb.PTTL(ctx, f.prefix+"story:a").Result(); ttl > ttlBefore {
		t.Errorf("TTL grew on update: %v > %v; expiry must follow the first ingest", ttl, ttlBefore)
	}
}

func TestPutUpdateMovesTopics(t *testing.T) {
	f := newFixture(t)
	f.put(t, validStory("a", "Japan", "South Korea"))
	f.clock.Add(time.Minute)
	f.put(t, validStory("a", "Japan", "United States"))

	if idx := f.index(t, "south-korea"); len(idx) != 0 {
		t.Errorf("dropped topic index = %v, want empty", idx)
	}
	for _, slug := range []string{"japan", "united-states"} {
		if idx := f.index(t, slug); idx["a"] != t0.UnixMilli() {
			t.Errorf("index %s = %v, want a at first ingest %d", slug, idx, t0.UnixMilli())
		}
	}
}

func TestPutMany(t *testing.T) {
	f := newFixture(t)
	bad := validStory("b")
	bad.URL = "not a url"
	results := f.store.PutMany(context.Background(), []*stories.Story{validStory("a"), bad, validStory("a")})
	if len(results) != 3 {
		t.Fatalf("got %d results, want 3", len(results))
	}
	if r := results[0]; r.ID != "a" || !r.Created || r.Err != nil {
		t.Errorf("results[0] = %+v, want a created", r)
	}
	var ve *stories.ValidationError
	if r := results[1]; r.ID != "b" || !errors.As(r.Err, &ve) || ve.Field != "url" {
		t.Errorf("results[1] = %+v, want a url error", r)
	}
	if r := results[2]; r.Created || r.Err != nil {
		t.Errorf("results[2] = %+v, want a updated", r)
	}
}

func TestWindowBoundaries(t *testing.T) {
	f := newFixture(t)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	for i, id := range []string{"s0", "s1", "s2", "s3"} {
		f.clock.Set(at(i * 10))
		f.put(t, validStory(id, "Japan"))
	}
	f.clock.Set(at(15))
	f.put(t, validStory("k1", "South Korea"))

	tests := []struct {
		name       string
		start, end time.Time
		want       map[string][]string
	}{
		{"start exclusive end inclusive", at(10), at(30), map[string][]string{"japan": {"s2", "s3"}, "south-korea": {"k1"}}},
		{"one millisecond after start", at(10).Add(time.Millisecond), at(20), map[string][]string{"japan": {"s2"}, "south-korea": {"k1"}}},
		{"end just before an entry", at(0), at(20).Add(-time.Millisecond), map[string][]string{"japan": {"s1"}, "south-korea": {"k1"}}},
		{"zero start", time.Time{}, at(0), map[string][]string{"japan": {"s0"}}},
		{"empty window", at(30), at(40), map[string][]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.store.Window(context.Background(), []string{"japan", "south-korea", "no-such-topic"}, tc.start, tc.end)
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string][]string{}
			for slug, entries := range got {
				for _, e := range entries {
					ids[slug] = append(ids[slug], e.ID)
				}
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Fatalf("Window = %v, want %v", ids, tc.want)
			}
		})
	}
	got, _ := f.store.Window(context.Background(), []string{"japan"}, at(10), at(20))
	if e := got["japan"]; len(e) != 1 || !e[0].IngestedAt.Equal(at(20)) {
		t.Fatalf("entry = %+v, want s2 at %v", e, at(20))
	}
}

func TestGetMany(t *testing.T) {
	f := newFixture(t)
	f.put(t, validStory("a"))
	f.put(t, validStory("b"))
	got, err := f.store.GetMany(context.Background(), []string{"a", "missing", "b", "a", "also-missing"})
	if err != nil {
		t.Fatalf("GetMany: %v", err)
	}
	if len(got) != 2 || got["a"] == nil || got["b"] == nil || got["a"].ID != "a" {
		t.Fatalf("GetMany = %v, want a and b only", got)
	}
	for _, ids := range [][]string{{"x"}, nil} {
		none, err := f.store.GetMany(context.Background(), ids)
		if err != nil || len(none) != 0 {
			t.Fatalf("GetMany(%v) = %v, %v; want empty, nil", ids, none, err)
		}
	}
	if w, err := f.store.Window(context.Background(), nil, t0, t0); err != nil || len(w) != 0 {
		t.Fatalf("Window(no topics) = %v, %v; want empty, nil", w, err)
	}
}

func TestDelete(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.put(t, validStory("a", "Japan", "South Korea"))
	f.put(t, validStory("b", "Japan"))
	if err := f.store.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Get(ctx, "a"); !errors.Is(err, stories.ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
	if idx := f.index(t, "japan"); len(idx) != 1 || idx["b"] == 0 {
		t.Errorf("japan index = %v, want only b", idx)
	}
	if idx := f.index(t, "south-korea"); len(idx) != 0 {
		t.Errorf("south-korea index = %v, want empty", idx)
	}
	if err := f.store.Delete(ctx, "a"); !errors.Is(err, stories.ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
}

func TestSweep(t *testing.T) {
	f := newFixture(t)
	f.put(t, validStory("old", "Japan", "South Korea"))
	f.clock.Add(10 * 24 * time.Hour)
	f.put(t, validStory("newer", "Japan"))

	f.clock.Set(t0.Add(stories.DefaultRetention - time.Millisecond))
	if n, err := f.store.Sweep(context.Background()); err != nil || n != 0 {
		t.Fatalf("Sweep before retention = %d, %v; want 0", n, err)
	}
	f.clock.Set(t0.Add(stories.DefaultRetention))
	n, err := f.store.Sweep(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2 (old from japan and south-korea)", n, err)
	}
	if idx := f.index(t, "japan"); len(idx) != 1 || idx["newer"] == 0 {
		t.Fatalf("japan index after sweep = %v, want only newer", idx)
	}
}

func TestSweepCustomRetention(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	clk := settable.New(t0)
	st := stories.NewStore(rdb, prefix, stories.Options{Now: clk.Now, Retention: time.Hour})
	if _, err := st.Put(context.Background(), validStory("a")); err != nil {
		t.Fatal(err)
	}
	if ttl, _ := rdb.PTTL(context.Background(), prefix+"story:a").Result(); ttl > time.Hour || ttl < 59*time.Minute {
		t.Errorf("story TTL = %v, want about 1h", ttl)
	}
	clk.Add(time.Hour)
	if n, err := st.Sweep(context.Background()); err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1", n, err)
	}
}

func TestTopicRegistry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first := validStory("a", "Japan", "South Korea")
	f.put(t, first)
	second := validStory("b", "Japan", "United States")
	second.Topics[0].Description = "Japan is an island country of East Asia."
	second.Topics[0].Name = "JAPAN"
	f.put(t, second)
	third := validStory("c", "Japan") // no description: keeps the stored one
	f.put(t, third)

	topics, err := f.store.Topics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []stories.Topic{
		{Slug: "japan", Name: "Japan", Description: "Japan is an island country of East Asia."},
		{Slug: "south-korea", Name: "South Korea"},
		{Slug: "united-states", Name: "United States"},
	}
	if !reflect.DeepEqual(topics, want) {
		t.Fatalf("Topics = %+v\nwant %+v", topics, want)
	}

	if err := f.store.SetTopic(ctx, stories.Topic{Name: " Japan ", Description: "Edited."}); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.Topic(ctx, "japan")
	if err != nil || got != (stories.Topic{Slug: "japan", Name: "Japan", Description: "Edited."}) {
		t.Fatalf("Topic(japan) = %+v, %v", got, err)
	}
	if _, err := f.store.Topic(ctx, "mars"); !errors.Is(err, stories.ErrNotFound) {
		t.Errorf("Topic(mars) = %v, want ErrNotFound", err)
	}
	var ve *stories.ValidationError
	if err := f.store.SetTopic(ctx, stories.Topic{Name: "!!!"}); !errors.As(err, &ve) || ve.Field != "slug" {
		t.Errorf("SetTopic(!!!) = %v, want a slug error", err)
	}
}

// An index score never moves, even when the story key is gone (expired)
// and the story comes back: ZADD NX.
func TestPutNeverMovesIndexScore(t *testing.T) {
	f := newFixture(t)
	f.put(t, validStory("a", "Japan"))
	if err := f.rdb.Del(context.Background(), f.prefix+"story:a").Err(); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour)
	if !f.put(t, validStory("a", "Japan")) {
		t.Fatal("Put after the story key vanished: created = false, want true")
	}
	if idx := f.index(t, "japan"); idx["a"] != t0.UnixMilli() {
		t.Fatalf("index = %v, want the first score %d kept", idx, t0.UnixMilli())
	}
}

// TestGetStoryStoredBeforePriority reads JSON as stored before stories had
// a priority: it reads as the default, 0.
func TestGetStoryStoredBeforePriority(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old := `{"id":"old","url":"https://news.example.com/old","headline":"Old","summary":"S.","topics":[{"slug":"japan","name":"Japan"}],"published_at":"2026-11-01T00:00:00Z"}`
	if err := f.rdb.Set(ctx, f.prefix+"story:old", old, 0).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.Get(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if got.Priority != 0 || got.Headline != "Old" {
		t.Errorf("old story = %+v, want priority 0 and its headline", got)
	}
	s := validStory("p", "Japan")
	s.Priority = 7
	f.put(t, s)
	if got, err = f.store.Get(ctx, "p"); err != nil || got.Priority != 7 {
		t.Errorf("Get = %+v, %v; want priority 7 kept", got, err)
	}
}
