package digest

import (
	"context"
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

// BuildBatch builds one digest per subscriber for windows (sub.Cursor, end].
// It reads each followed topic's index once for the whole batch (pipelined
// single-key reads from the oldest cursor), and each story once, so the cost
// is shared by every subscriber in the batch. A Runner goes further and
// shares one read between batches (see Runner.IndexMaxAge).
func (b *Builder) BuildBatch(ctx context.Context, subs []*subscribers.Subscriber, end time.Time) ([]*Digest, error) {
	if len(subs) == 0 {
		return nil, nil
	}
	return newCatalog(b.Stories, end, time.Time{}, nil).build(ctx, subs)
}

// Build builds the digest for one subscriber and the window (Cursor, end].
func (b *Builder) Build(ctx context.Context, sub *subscribers.Subscriber, end time.Time) (*Digest, error) {
	ds, err := b.BuildBatch(ctx, []*subscribers.Subscriber{sub}, end)
	if err != nil {
		return nil, err
	}
	return ds[0], nil
}

// build reads what subs need into the catalog and picks their digests for
// windows (sub.Cursor, c.end].
func (c *catalog) build(ctx context.Context, subs []*subscribers.Subscriber) ([]*Digest, error) {
	slugs, start := batchSpan(subs)
	if err := c.load(ctx, slugs, start); err != nil {
		return nil, err
	}
	c.index()
	out := make([]*Digest, len(subs))
	for i, sub := range subs {
		out[i] = c.pick(sub, Window{Start: sub.Cursor, End: c.end})
	}
	return out, nil
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

// matchedTopics labels an item with the story's own topics (names and
// descriptions as the story carries them) that the subscriber follows,
// then any followed slug the story is indexed under but no longer lists.
// slugs are few: linear scans beat a map here.
func matchedTopics(st *stories.Story, slugs []string) []stories.Topic {
	out := make([]stories.Topic, 0, len(slugs))
	for _, t := range st.Topics {
		if hasSlug(slugs, t.Slug) && !hasTopic(out, t.Slug) {
			out = append(out, t)
		}
	}
	for _, s := range slugs {
		if !hasTopic(out, s) {
			out = append(out, stories.Topic{Slug: s, Name: s})
		}
	}
	return out
}

// labelOf is the index in st.Topics of the first topic of slug, -1 when
// st lists none.
func labelOf(st *stories.Story, slug string) int32 {
	for j, t := range st.Topics {
		if t.Slug == slug {
			return int32(j)
		}
	}
	return -1
}

func hasSlug(slugs []string, s string) bool {
	for _, x := range slugs {
		if x == s {
			return true
		}
	}
	return false
}

func hasTopic(ts []stories.Topic, slug string) bool {
	for _, t := range ts {
		if t.Slug == slug {
			return true
		}
	}
	return false
}
