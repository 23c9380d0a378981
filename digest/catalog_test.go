package digest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"herald/stories"
	"herald/subscribers"
)

// memStories is a StoryStore in memory: an index per topic and the stories.
type memStories struct {
	index   map[string][]stories.Entry
	stories map[string]*stories.Story
}

func (m *memStories) Window(_ context.Context, slugs []string, start, end time.Time) (map[string][]stories.Entry, error) {
	out := make(map[string][]stories.Entry)
	for _, slug := range slugs {
		for _, e := range m.index[slug] {
			if (start.IsZero() || e.IngestedAt.After(start)) && !e.IngestedAt.After(end) {
				out[slug] = append(out[slug], e)
			}
		}
	}
	return out, nil
}

func (m *memStories) GetMany(_ context.Context, ids []string) (map[string]*stories.Story, error) {
	out := make(map[string]*stories.Story)
	for _, id := range ids {
		if st, ok := m.stories[id]; ok {
			out[id] = st
		}
	}
	return out, nil
}

// skewed builds n stories over a day on 1-3 of nTopics topics, low topic
// numbers far more often (as in the bench), some published at the same
// instant so that ids break ties; one indexed story is gone.
func skewed(r *rand.Rand, n, nTopics int, end time.Time) *memStories {
	m := &memStories{index: map[string][]stories.Entry{}, stories: map[string]*stories.Story{}}
	z := rand.NewZipf(r, 1.1, 1, uint64(nTopics-1))
	for i := range n {
		ingest := end.Add(-time.Duration(n-i) * 24 * time.Hour / time.Duration(n)).Truncate(time.Millisecond)
		st := &stories.Story{ID: fmt.Sprintf("s%04d", i), PublishedAt: ingest.Add(-time.Duration(r.IntN(3)) * time.Hour).Truncate(time.Hour)}
		for range 1 + r.IntN(3) {
			slug := fmt.Sprintf("t%02d", z.Uint64())
			if !slices.ContainsFunc(st.Topics, func(t stories.Topic) bool { return t.Slug == slug }) {
				st.Topics = append(st.Topics, stories.Topic{Slug: slug, Name: "Topic " + slug})
				m.index[slug] = append(m.index[slug], stories.Entry{ID: st.ID, IngestedAt: ingest})
			}
		}
		if i != n/2 {
			m.stories[st.ID] = st
		}
	}
	return m
}

// reference ranks the way the digest package first did: every candidate
// gathered and sorted.
func reference(m *memStories, sub *subscribers.Subscriber, w Window) ([]string, []string, int) {
	matched := map[string][]string{}
	var ids []string
	for _, slug := range sub.Topics {
		for _, e := range m.index[slug] {
			if !e.IngestedAt.After(w.Start) || e.IngestedAt.After(w.End) || m.stories[e.ID] == nil {
				continue
			}
			if _, ok := matched[e.ID]; !ok {
				ids = append(ids, e.ID)
			}
			matched[e.ID] = append(matched[e.ID], slug)
		}
	}
	sort.SliceStable(ids, func(i, j int) bool {
		a, b := m.stories[ids[i]], m.stories[ids[j]]
		if len(matched[a.ID]) != len(matched[b.ID]) {
			return len(matched[a.ID]) > len(matched[b.ID])
		}
		if !a.PublishedAt.Equal(b.PublishedAt) {
			return a.PublishedAt.After(b.PublishedAt)
		}
		return a.ID < b.ID
	})
	limit := min(len(ids), limitOf(sub))
	var labels []string
	for _, id := range ids[:limit] {
		var names []string
		for _, t := range matchedTopics(m.stories[id], matched[id]) {
			names = append(names, t.Slug)
		}
		labels = append(labels, fmt.Sprint(names))
	}
	return ids[:limit], labels, len(ids) - limit
}

// The catalog picks what gathering every candidate and sorting them would,
// for random subscribers, windows and caps, batch after batch on one
// catalog.
func TestCatalogPicksAsSorting(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	end := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	m := skewed(r, 3000, 40, end)
	cat := newCatalog(m, end, end, nil)
	for batch := range 20 {
		var subs []*subscribers.Subscriber
		for i := range 25 {
			sub := &subscribers.Subscriber{ID: fmt.Sprintf("b%d-%d", batch, i), MaxStories: r.IntN(15),
				Cursor: end.Add(-time.Duration(1+r.IntN(30)) * time.Hour)}
			for range 1 + r.IntN(6) {
				sub.Topics = append(sub.Topics, fmt.Sprintf("t%02d", r.IntN(40)))
			}
			slices.Sort(sub.Topics)
			sub.Topics = slices.Compact(sub.Topics)
			subs = append(subs, sub)
		}
		ds, err := cat.build(context.Background(), subs)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range ds {
			wantIDs, wantLabels, wantMore := reference(m, subs[i], d.Window)
			var gotIDs, gotLabels []string
			for _, it := range d.Items {
				gotIDs = append(gotIDs, it.Story.ID)
				var names []string
				for _, tp := range it.Matched {
					names = append(names, tp.Slug)
				}
				gotLabels = append(gotLabels, fmt.Sprint(names))
			}
			if !slices.Equal(gotIDs, wantIDs) || !slices.Equal(gotLabels, wantLabels) || d.More != wantMore {
				t.Fatalf("batch %d subscriber %v window %v:\n got %v %v more %d\nwant %v %v more %d",
					batch, subs[i].Topics, d.Window, gotIDs, gotLabels, d.More, wantIDs, wantLabels, wantMore)
			}
		}
	}
}

// BenchmarkPick is the runner's gather for one subscriber once the run's
// catalog is read: 5,000 stories over a day on 500 skewed topics, a reader
// following six of them, the most popular among them.
func BenchmarkPick(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	end := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	m := skewed(r, 5000, 500, end)
	sub := &subscribers.Subscriber{ID: "bench", Cursor: end.Add(-25 * time.Hour),
		Topics: []string{"t00", "t03", "t07", "t12", "t40", "t99"}}
	cat := newCatalog(m, end, end, nil)
	if _, err := cat.build(context.Background(), []*subscribers.Subscriber{sub}); err != nil {
		b.Fatal(err)
	}
	w := Window{Start: sub.Cursor, End: end}
	b.ReportAllocs()
	for b.Loop() {
		if d := cat.pick(sub, w); len(d.Items) != 10 {
			b.Fatalf("%d items", len(d.Items))
		}
	}
}
