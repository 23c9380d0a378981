package digest

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"herald/stories"
	"herald/subscribers"
)

// catalog is a snapshot of the story index over the ingest span (start,
// end]: for each topic read so far, its index entries, and every story they
// name, read and decoded once. Picking a subscriber's digest from it is
// integer work on small slices, with no Redis round trip, so a dispatch run
// reads each topic's index and each story once rather than once per batch
// or per subscriber. Topics are read when a batch first needs them; the
// span grows back in time when a batch holds an older cursor.
//
// A catalog is used by one goroutine at a time.
type catalog struct {
	store  StoryStore
	start  time.Time // the span's exclusive start
	end    time.Time // the span's inclusive end
	readAt time.Time // clock time of the first read, for Runner.IndexMaxAge

	prev    *catalog              // the run's catalog before this one, whose equal stories are kept
	topics  map[string][]entryRef // slug -> its entries in the span (read even when empty)
	stories []catStory
	byID    map[string]int32
	gone    map[string]bool // indexed but no longer stored

	rank []uint32 // by story: its place in ranking order (see rerank)

	// scratch of pick
	count   []uint8
	touched []int32
	top     []int32
	keys    []uint64
}

// entryRef is one index entry: a story and its ingest time (unix ms).
type entryRef struct {
	story  int32
	ingest int64
}

// catStory is one story, its publication time as integers (for ranking
// without time.Time calls) and the topics it was found under.
type catStory struct {
	story   *stories.Story
	pubSec  int64
	pubNsec int32
	indexed []topicEntry
}

type topicEntry struct {
	slug   string
	ingest int64
}

// newCatalog starts a catalog ending at end. Stories it reads that prev
// (nil for none) holds unchanged are taken from prev, the same pointers, so
// that what was derived from them (rendered story bodies) stays valid.
func newCatalog(store StoryStore, end, readAt time.Time, prev *catalog) *catalog {
	if prev != nil {
		prev.prev = nil // keep one generation
	}
	return &catalog{store: store, start: end, end: end, readAt: readAt, prev: prev,
		topics: make(map[string][]entryRef), byID: make(map[string]int32), gone: make(map[string]bool)}
}

// load makes sure the catalog holds slugs' entries over (from, end].
func (c *catalog) load(ctx context.Context, slugs []string, from time.Time) error {
	if from.Before(c.start) {
		if err := c.read(ctx, c.known(), from, c.start); err != nil {
			return err
		}
		c.start = from
	}
	var fresh []string
	for _, slug := range slugs {
		if _, ok := c.topics[slug]; !ok && !slices.Contains(fresh, slug) {
			fresh = append(fresh, slug)
		}
	}
	return c.read(ctx, fresh, c.start, c.end)
}

// extend moves the catalog's end forward to end, reading what the known
// topics gained meanwhile.
func (c *catalog) extend(ctx context.Context, end time.Time) error {
	if !end.After(c.end) {
		return nil
	}
	if err := c.read(ctx, c.known(), c.end, end); err != nil {
		return err
	}
	c.end = end
	return nil
}

// known is the sorted slugs of the topics read so far.
func (c *catalog) known() []string {
	known := make([]string, 0, len(c.topics))
	for slug := range c.topics {
		known = append(known, slug)
	}
	slices.Sort(known)
	return known
}

// read adds slugs' entries over (start, end] and reads the stories not
// yet known, with one pipelined call for the index and one for stories.
func (c *catalog) read(ctx context.Context, slugs []string, start, end time.Time) error {
	if len(slugs) == 0 || !end.After(start) {
		for _, slug := range slugs {
			if _, ok := c.topics[slug]; !ok {
				c.topics[slug] = []entryRef{}
			}
		}
		return nil
	}
	index, err := c.store.Window(ctx, slugs, start, end)
	if err != nil {
		return fmt.Errorf("digest: gather: %w", err)
	}
	if err := c.fetch(ctx, slugs, index); err != nil {
		return err
	}
	for _, slug := range slugs {
		refs := c.topics[slug]
		for _, e := range index[slug] {
			i, ok := c.byID[e.ID]
			if !ok {
				continue // gone
			}
			ms := e.IngestedAt.UnixMilli()
			refs = append(refs, entryRef{story: i, ingest: ms})
			c.stories[i].indexed = append(c.stories[i].indexed, topicEntry{slug: slug, ingest: ms})
		}
		c.topics[slug] = refs
		if refs == nil {
			c.topics[slug] = []entryRef{}
		}
	}
	return nil
}

// fetch reads the stories of index the catalog does not hold yet.
func (c *catalog) fetch(ctx context.Context, slugs []string, index map[string][]stories.Entry) error {
	var ids []string
	asked := make(map[string]bool)
	for _, slug := range slugs {
		for _, e := range index[slug] {
			if _, ok := c.byID[e.ID]; !ok && !c.gone[e.ID] && !asked[e.ID] {
				asked[e.ID] = true
				ids = append(ids, e.ID)
			}
		}
	}
	for len(ids) > 0 { // in chunks: the replies and their decoding need not all be in memory at once
		chunk := ids[:min(len(ids), fetchChunk)]
		ids = ids[len(chunk):]
		byID, err := c.store.GetMany(ctx, chunk)
		if err != nil {
			return fmt.Errorf("digest: gather stories: %w", err)
		}
		for _, id := range chunk {
			st, ok := byID[id]
			if !ok { // expired or deleted since it was indexed
				c.gone[id] = true
				continue
			}
			c.byID[id] = int32(len(c.stories))
			st = c.same(st)
			c.stories = append(c.stories, catStory{story: st,
				pubSec: st.PublishedAt.Unix(), pubNsec: int32(st.PublishedAt.Nanosecond())})
		}
	}
	return nil
}

// fetchChunk is how many stories one pipelined read asks for.
const fetchChunk = 256

// same returns prev's copy of st when it has an equal one, else st.
func (c *catalog) same(st *stories.Story) *stories.Story {
	if c.prev == nil {
		return st
	}
	if i, ok := c.prev.byID[st.ID]; ok && reflect.DeepEqual(c.prev.stories[i].story, st) {
		return c.prev.stories[i].story
	}
	return st
}

// pick builds sub's digest for window w from the catalog: the stories of
// its followed topics ingested in w, deduplicated, ranked (higher priority
// first, then more followed topics matched, then newest, then id) and
// capped at its maximum.
// w must lie within the catalog's span for sub's topics (see load).
func (c *catalog) pick(sub *subscribers.Subscriber, w Window) *Digest {
	lo, hi := w.Start.UnixMilli(), w.End.UnixMilli()
	if len(c.count) < len(c.stories) {
		c.count = make([]uint8, len(c.stories)+len(c.stories)/4)
	}
	touched := c.touched[:0]
	for _, slug := range sub.Topics {
		for _, e := range c.topics[slug] {
			if e.ingest <= lo || e.ingest > hi {
				continue
			}
			if c.count[e.story] == 0 {
				touched = append(touched, e.story)
			}
			if c.count[e.story] < 255 {
				c.count[e.story]++
			}
		}
	}
	top := c.best(touched, limitOf(sub))
	d := &Digest{Subscriber: sub, Window: w, Slot: sub.NextDue, More: len(touched) - len(top)}
	d.Items = make([]Item, len(top))
	for k, i := range top {
		st := c.stories[i].story
		d.Items[k] = Item{Story: st, Matched: matchedTopics(st, c.matched(i, sub.Topics, lo, hi))}
	}
	for _, i := range touched {
		c.count[i] = 0
	}
	c.touched, c.top = touched, top
	return d
}

func limitOf(sub *subscribers.Subscriber) int {
	if sub.MaxStories <= 0 {
		return subscribers.DefaultMaxStories
	}
	return sub.MaxStories
}

// best returns the limit best of touched, best first: the newsroom's
// priority, then more followed topics matched, then published later, then
// the smaller id (see rerank).
func (c *catalog) best(touched []int32, limit int) []int32 {
	top, keys := c.top[:0], c.keys[:0]
	for _, i := range touched {
		k := c.key(i)
		if len(top) == limit && k <= keys[limit-1] {
			continue
		}
		at := len(top)
		for at > 0 && k > keys[at-1] {
			at--
		}
		if len(top) < limit {
			top, keys = append(top, 0), append(keys, 0)
		}
		copy(top[at+1:], top[at:len(top)-1])
		copy(keys[at+1:], keys[at:len(keys)-1])
		top[at], keys[at] = i, k
	}
	c.keys = keys
	return top
}

// key is story i's ranking key in the current pick: larger is better.
// Priority (0-9) takes the bits above the matched count (0-255), which
// takes those above the recency rank.
func (c *catalog) key(i int32) uint64 {
	prio := uint64(max(c.stories[i].story.Priority, 0)) & 0xff
	return prio<<40 | uint64(c.count[i])<<32 | uint64(^c.rank[i])
}

// rerank numbers the stories in ranking order among equals in matched
// topics: published later first, then the smaller id.
func (c *catalog) rerank() {
	order := make([]int32, len(c.stories))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		sa, sb := &c.stories[a], &c.stories[b]
		switch {
		case sa.pubSec != sb.pubSec:
			return cmp.Compare(sb.pubSec, sa.pubSec)
		case sa.pubNsec != sb.pubNsec:
			return cmp.Compare(sb.pubNsec, sa.pubNsec)
		}
		return strings.Compare(sa.story.ID, sb.story.ID)
	})
	c.rank = slices.Grow(c.rank[:0], len(order))[:len(order)]
	for r, i := range order {
		c.rank[i] = uint32(r)
	}
}

// matched lists the followed slugs (in follow order) under which story i
// is indexed within (lo, hi].
func (c *catalog) matched(i int32, followed []string, lo, hi int64) []string {
	var out []string
	for _, slug := range followed {
		for _, e := range c.stories[i].indexed {
			if e.slug == slug && e.ingest > lo && e.ingest <= hi {
				out = append(out, slug)
				break
			}
		}
	}
	return out
}
