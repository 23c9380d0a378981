package digest

import (
	"context"
	"fmt"
	"sort"
	"time"

	"herald/stories"
	"herald/subscribers"
)

// StoryStore is what gathering needs from the story store.
type StoryStore interface {
	Window(ctx context.Context, slugs []string, start, end time.Time) (map[string][]stories.Entry, error)
	GetMany(ctx context.Context, ids []string) (map[string]*stories.Story, error)
}

// Builder gathers stories for subscribers and builds their digests.
type Builder struct {
	Stories StoryStore
}

// candidate is one story matching one subscriber's follows in its window.
type candidate struct {
	id      string
	matched []string // followed slugs the story is indexed under
}

// BuildBatch builds one digest per subscriber for windows (sub.Cursor, end].
// It reads each followed topic's index once for the whole batch (pipelined
// single-key reads from the oldest cursor), and each story once, so the cost
// is shared by every subscriber in the batch.
func (b *Builder) BuildBatch(ctx context.Context, subs []*subscribers.Subscriber, end time.Time) ([]*Digest, error) {
	if len(subs) == 0 {
		return nil, nil
	}
	slugs, start := batchSpan(subs)
	index, err := b.Stories.Window(ctx, slugs, start, end)
	if err != nil {
		return nil, fmt.Errorf("digest: gather: %w", err)
	}
	perSub := make([][]candidate, len(subs))
	var ids []string
	seen := make(map[string]bool)
	for i, sub := range subs {
		perSub[i] = candidates(sub, index, end)
		for _, c := range perSub[i] {
			if !seen[c.id] {
				seen[c.id] = true
				ids = append(ids, c.id)
			}
		}
	}
	byID, err := b.Stories.GetMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("digest: gather stories: %w", err)
	}
	out := make([]*Digest, len(subs))
	for i, sub := range subs {
		out[i] = assemble(sub, Window{Start: sub.Cursor, End: end}, perSub[i], byID)
	}
	return out, nil
}

// Build builds the digest for one subscriber and the window (Cursor, end].
func (b *Builder) Build(ctx context.Context, sub *subscribers.Subscriber, end time.Time) (*Digest, error) {
	ds, err := b.BuildBatch(ctx, []*subscribers.Subscriber{sub}, end)
	if err != nil {
		return nil, err
	}
	return ds[0], nil
}

// batchSpan is the union of followed topics and the oldest cursor.
func batchSpan(subs []*subscribers.Subscriber) ([]string, time.Time) {
	set := make(map[string]bool)
	start := subs[0].Cursor
	for _, s := range subs {
		for _, t := range s.Topics {
			set[t] = true
		}
		if s.Cursor.Before(start) {
			start = s.Cursor
		}
	}
	slugs := make([]string, 0, len(set))
	for s := range set {
		slugs = append(slugs, s)
	}
	sort.Strings(slugs)
	return slugs, start
}

// candidates picks, from the batch's index entries, the stories inside this
// subscriber's own window, deduplicated across its followed topics.
func candidates(sub *subscribers.Subscriber, index map[string][]stories.Entry, end time.Time) []candidate {
	pos := make(map[string]int)
	var out []candidate
	for _, slug := range sub.Topics {
		for _, e := range index[slug] {
			if !e.IngestedAt.After(sub.Cursor) || e.IngestedAt.After(end) {
				continue
			}
			if i, ok := pos[e.ID]; ok {
				out[i].matched = append(out[i].matched, slug)
				continue
			}
			pos[e.ID] = len(out)
			out = append(out, candidate{id: e.ID, matched: []string{slug}})
		}
	}
	return out
}

// assemble ranks the candidates (more followed topics matched first, then
// newest, then id for a stable order) and caps them at the subscriber's max.
func assemble(sub *subscribers.Subscriber, w Window, cands []candidate, byID map[string]*stories.Story) *Digest {
	items := make([]Item, 0, len(cands))
	for _, c := range cands {
		st, ok := byID[c.id]
		if !ok { // expired or deleted since it was indexed
			continue
		}
		items = append(items, Item{Story: st, Matched: matchedTopics(st, c.matched)})
	}
	sort.SliceStable(items, func(i, j int) bool { return ranksBefore(items[i], items[j]) })
	d := &Digest{Subscriber: sub, Window: w, Slot: sub.NextDue}
	limit := sub.MaxStories
	if limit <= 0 {
		limit = subscribers.DefaultMaxStories
	}
	if len(items) > limit {
		d.More = len(items) - limit
		items = items[:limit]
	}
	d.Items = items
	return d
}

func ranksBefore(a, b Item) bool {
	if len(a.Matched) != len(b.Matched) {
		return len(a.Matched) > len(b.Matched)
	}
	if !a.Story.PublishedAt.Equal(b.Story.PublishedAt) {
		return a.Story.PublishedAt.After(b.Story.PublishedAt)
	}
	return a.Story.ID < b.Story.ID
}

// matchedTopics labels an item with the story's own topics (names and
// descriptions as the story carries them) that the subscriber follows.
func matchedTopics(st *stories.Story, slugs []string) []stories.Topic {
	want := make(map[string]bool, len(slugs))
	for _, s := range slugs {
		want[s] = true
	}
	var out []stories.Topic
	for _, t := range st.Topics {
		if want[t.Slug] {
			out = append(out, t)
			delete(want, t.Slug)
		}
	}
	for _, s := range slugs { // indexed under a topic the story no longer lists
		if want[s] {
			out = append(out, stories.Topic{Slug: s, Name: s})
		}
	}
	return out
}
