package examples_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/examples"
	"herald/stories"
)

func parseStories(t *testing.T) []*stories.Story {
	t.Helper()
	ss, err := stories.Parse(bytes.NewReader(examples.Stories()))
	if err != nil {
		t.Fatalf("stories.json: %v", err)
	}
	return ss
}

func TestStoriesParse(t *testing.T) {
	ss := parseStories(t)
	if len(ss) < 15 {
		t.Fatalf("stories.json has %d stories, want at least 15", len(ss))
	}
	from := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	topics := map[string]int{}
	for _, s := range ss {
		if s.PublishedAt.Before(from) || !s.PublishedAt.Before(to) {
			t.Errorf("%s: published_at %v outside 27-29 November 2026", s.ID, s.PublishedAt)
		}
		for _, tp := range s.Topics {
			topics[tp.Slug]++
		}
	}
	for _, slug := range []string{"japan", "south-korea", "united-states", "china", "taiwan",
		"european-union", "climate", "markets", "technology", "gaza", "israel", "ukraine", "middle-east"} {
		if topics[slug] < 2 {
			t.Errorf("topic %s is on %d stories, want at least 2", slug, topics[slug])
		}
	}
}

func TestSeedStoryComplete(t *testing.T) {
	seed := parseStories(t)[0]
	if seed.ID != "sk-japan-us-investment-terms" {
		t.Fatalf("first story is %q, want the seed story", seed.ID)
	}
	if len(seed.Analysis) < 4 {
		t.Errorf("analysis: %d parts, want 4", len(seed.Analysis))
	}
	if len(seed.Sources) < 3 {
		t.Errorf("sources: %d, want 3", len(seed.Sources))
	}
	if seed.Background == "" {
		t.Error("background is empty")
	}
	if len(seed.Questions) < 5 {
		t.Errorf("questions: %d, want 5", len(seed.Questions))
	}
	if len(seed.Topics) != 3 {
		t.Errorf("topics: %d, want 3", len(seed.Topics))
	}
	for _, tp := range seed.Topics {
		if tp.Description == "" {
			t.Errorf("topic %s has no description", tp.Slug)
		}
	}
	outlets := []string{}
	for _, s := range seed.Sources {
		outlets = append(outlets, s.Outlet)
	}
	if got := strings.Join(outlets, ", "); got != "The Japan Times, Bloomberg, South China Morning Post" {
		t.Errorf("outlets = %s", got)
	}
}

func TestStoriesShowUnicode(t *testing.T) {
	var cjk, emoji bool
	for _, s := range parseStories(t) {
		for _, src := range s.Sources {
			cjk = cjk || strings.ContainsRune(src.Summary, '日')
			emoji = emoji || strings.ContainsRune(src.Summary, '🌊')
		}
	}
	if !cjk || !emoji {
		t.Errorf("want a CJK source summary (%v) and an emoji (%v)", cjk, emoji)
	}
}

func TestSubscribersCSV(t *testing.T) {
	rows, err := csv.NewReader(bytes.NewReader(examples.SubscribersCSV())).ReadAll()
	if err != nil {
		t.Fatalf("subscribers.csv: %v", err)
	}
	if got := strings.Join(rows[0], ","); got != "email,name,time_zone,schedule,topics,max_stories" {
		t.Fatalf("header = %s", got)
	}
	if len(rows) != 9 {
		t.Fatalf("%d readers, want 8", len(rows)-1)
	}
	known := knownTopics(t)
	for i, row := range rows[1:] {
		if _, err := time.LoadLocation(row[2]); err != nil {
			t.Errorf("row %d: time_zone %q: %v", i+1, row[2], err)
		}
		if !strings.HasSuffix(row[0], "@example.com") && !strings.HasSuffix(row[0], "@example.org") {
			t.Errorf("row %d: email %q not on an example domain", i+1, row[0])
		}
		for _, slug := range strings.Split(row[4], ";") {
			if !known[slug] {
				t.Errorf("row %d: topic %q is on no example story", i+1, slug)
			}
		}
		if n, err := strconv.Atoi(row[5]); err != nil || n < 1 {
			t.Errorf("row %d: max_stories %q", i+1, row[5])
		}
	}
}

func knownTopics(t *testing.T) map[string]bool {
	t.Helper()
	known := map[string]bool{}
	for _, s := range parseStories(t) {
		for _, tp := range s.Topics {
			known[tp.Slug] = true
		}
	}
	return known
}

// stories.ndjson, the README's NDJSON example, parses as NDJSON.
func TestStoriesNDJSON(t *testing.T) {
	f, err := os.Open("stories.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ss, err := stories.Parse(f)
	if err != nil || len(ss) != 3 {
		t.Fatalf("stories.ndjson: %d stories, %v", len(ss), err)
	}
}
