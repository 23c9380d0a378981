package digest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"herald/digest"
)

func TestBuildDedupesAndRanks(t *testing.T) {
	t0 := mustTime("2026-11-27T00:00:00Z")
	e := newEnv(t, t0)
	sub := e.addReader("ranker@example.com", "UTC", "daily 07:00", "japan", "south-korea")
	e.clock.Add(time.Hour)
	e.ingest("both-old", t0.Add(-3*time.Hour), "Japan", "South Korea")
	e.ingest("japan-new", t0.Add(-1*time.Hour), "Japan")
	e.ingest("korea-mid", t0.Add(-2*time.Hour), "South Korea")
	e.ingest("china", t0, "China")
	e.ingest("both-new", t0.Add(-90*time.Minute), "South Korea", "Japan", "United States")

	d, err := (&digest.Builder{Stories: e.stories}).Build(context.Background(), e.get(sub.ID), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"both-new", "both-old", "japan-new", "korea-mid"}
	if got := storyIDs(d); !slices.Equal(got, want) {
		t.Fatalf("order = %v, want %v (more matched topics first, then newest)", got, want)
	}
	if got := topicNames(d.Items[0]); got != "Japan,South Korea" {
		t.Errorf("both-new labelled %q, want both followed topics and not United States", got)
	}
	if d.More != 0 {
		t.Errorf("More = %d, want 0", d.More)
	}
}

func TestBuildRanksPriorityFirst(t *testing.T) {
	t0 := mustTime("2026-11-27T00:00:00Z")
	e := newEnv(t, t0)
	sub := e.addReader("priority@example.com", "UTC", "daily 07:00", "japan", "south-korea")
	e.clock.Add(time.Hour)
	e.ingest("both-new", t0.Add(-1*time.Hour), "Japan", "South Korea")
	e.ingest("japan-new", t0.Add(-2*time.Hour), "Japan")
	e.ingestPriority("urgent-old", 5, t0.Add(-5*time.Hour), "Japan")
	e.ingestPriority("urgent-both", 5, t0.Add(-6*time.Hour), "Japan", "South Korea")
	e.ingestPriority("mild", 1, t0.Add(-4*time.Hour), "South Korea")
	d, err := (&digest.Builder{Stories: e.stories}).Build(context.Background(), e.get(sub.ID), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"urgent-both", "urgent-old", "mild", "both-new", "japan-new"}
	if got := storyIDs(d); !slices.Equal(got, want) {
		t.Fatalf("order = %v, want %v (priority, then matched topics, then newest)", got, want)
	}
}

func TestBuildCapsWithMore(t *testing.T) {
	t0 := mustTime("2026-11-27T00:00:00Z")
	e := newEnv(t, t0)
	sub := e.addReader("cap@example.com", "UTC", "daily 07:00", "japan")
	s := e.get(sub.ID)
	s.MaxStories = 3
	if err := e.subs.Update(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Minute)
	for i, id := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		e.ingest(id, t0.Add(time.Duration(i)*time.Minute), "Japan")
	}
	d, err := (&digest.Builder{Stories: e.stories}).Build(context.Background(), e.get(sub.ID), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := storyIDs(d); !slices.Equal(got, []string{"g", "f", "e"}) || d.More != 4 || d.Total() != 7 {
		t.Fatalf("items %v more %d total %d; want [g f e], 4, 7", got, d.More, d.Total())
	}
}

func TestBuildWindowBounds(t *testing.T) {
	t0 := mustTime("2026-11-27T00:00:00Z")
	e := newEnv(t, t0)
	sub := e.addReader("window@example.com", "UTC", "daily 07:00", "japan")
	e.ingest("at-cursor", t0, "Japan") // ingested at the cursor: belongs to the previous window
	e.clock.Add(time.Minute)
	e.ingest("inside", t0, "Japan")
	end := e.clock.Now()
	e.clock.Add(time.Second)
	e.ingest("after-end", t0, "Japan")
	d, err := (&digest.Builder{Stories: e.stories}).Build(context.Background(), e.get(sub.ID), end)
	if err != nil {
		t.Fatal(err)
	}
	if got := storyIDs(d); !slices.Equal(got, []string{"inside"}) {
		t.Fatalf("window (cursor, end] holds %v, want [inside]", got)
	}
}
