package templates

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"herald/digest"
	"herald/stories"
	"herald/subscribers"
)

// benchDigest is a ten-story digest for a reader in Seoul, every story the
// seed story page under its own id (fresh pointers when fresh is set, so
// no story body is cached yet).
func benchDigest(tb testing.TB, fresh int) *digest.Digest {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "seed-story.json"))
	if err != nil {
		tb.Fatal(err)
	}
	at := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	sub := &subscribers.Subscriber{ID: "sub-bench", Kind: subscribers.KindEmail, Email: "ana@example.com",
		Name: "Ana Kim", TimeZone: "Asia/Seoul", MaxStories: 10, Topics: []string{"japan", "south-korea"}}
	d := &digest.Digest{Subscriber: sub, Window: digest.Window{Start: at.Add(-24 * time.Hour), End: at}, More: 5,
		Links: digest.Links{Site: "https://news.example.com/", Unsubscribe: "https://herald.example.com/u/tok",
			Preferences: "https://herald.example.com/p/tok", Mailto: "mailto:unsubscribe@news.example.com?subject=sub-bench"}}
	for i := range 10 {
		var st stories.Story
		if err := json.Unmarshal(b, &st); err != nil {
			tb.Fatal(err)
		}
		st.ID = fmt.Sprintf("seed-%d-%d", fresh, i)
		st.PublishedAt = at.Add(-time.Duration(i) * time.Hour)
		d.Items = append(d.Items, digest.Item{Story: &st, Matched: st.Topics[:1]})
	}
	return d
}

func benchSet(b *testing.B) *Set {
	b.Helper()
	s, err := Load("", Options{SiteURL: "https://news.example.com/"})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkRenderEmail renders one digest whose story bodies are cached:
// the steady state of a dispatch run, where each story is in many digests.
func BenchmarkRenderEmail(b *testing.B) {
	s, d := benchSet(b), benchDigest(b, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.RenderEmail(d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderEmailNewStories renders digests of stories seen for the
// first time: every story body is rendered.
func BenchmarkRenderEmailNewStories(b *testing.B) {
	s := benchSet(b)
	ds := make([]*digest.Digest, 64)
	for i := range ds {
		ds[i] = benchDigest(b, i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		if i%len(ds) == 0 {
			s.frags.cache, s.frags.bytes = make(map[fragKey]StoryView), 0
			clear(s.frags.small)
			clear(s.frags.seen)
		}
		d := ds[i%len(ds)]
		i++
		b.StartTimer()
		if _, err := s.RenderEmail(d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderEmailTemplatesOnly renders with the templates alone, no
// story body kept: what every render cost before the fast way.
func BenchmarkRenderEmailTemplatesOnly(b *testing.B) {
	s, d := benchSet(b), benchDigest(b, 0)
	s.frags = nil
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.RenderEmail(d); err != nil {
			b.Fatal(err)
		}
	}
}
