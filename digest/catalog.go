package digest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"time"

	"herald/stories"
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

	prev    *catalog               // the run's catalog before this one, whose equal stories are kept
	topics  map[string]*topicIndex // slug -> its entries in the span (read even when empty)
	stories []catStory
	byID    map[string]int32
	gone    map[string]bool // indexed but no longer stored
	stale   []*topicIndex   // topics whose entries changed since they were indexed

	order   []int32 // story indexes in ranking order among equals in matched topics (see rerank)
	place   []int32 // by story: its place in order
	classes []int32 // places where a priority begins, then len(order)
	words   int     // uint64 words in a set of places

	tally // scratch of pick
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
	sum     uint64 // of the stored bytes story was read from (0: not known)
	pubSec  int64
	pubNsec int32
	prio    uint8 // the newsroom's priority, as ranking reads it
	indexed []topicEntry
}

// topicEntry is one of a story's index entries: its topic, ingest time
// (unix ms) and the story's own topic of that slug (see labelOf).
type topicEntry struct {
	topic  *topicIndex
	ingest int64
	label  int32
}

// newCatalog starts a catalog ending at end. Stories it reads that prev
// (nil for none) holds unchanged are taken from prev, the same pointers, so
// that what was derived from them (rendered story bodies) stays valid.
func newCatalog(store StoryStore, end, readAt time.Time, prev *catalog) *catalog {
	if prev != nil {
		prev.prev = nil // keep one generation
	}
	return &catalog{store: store, start: end, end: end, readAt: readAt, prev: prev,
		topics: make(map[string]*topicIndex), byID: make(map[string]int32), gone: make(map[string]bool)}
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
				c.topics[slug] = &topicIndex{}
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
		c.addEntries(slug, index[slug])
	}
	return nil
}

// addEntries appends a topic's index entries of stories the catalog holds.
func (c *catalog) addEntries(slug string, entries []stories.Entry) {
	t := c.topics[slug]
	if t == nil {
		t = &topicIndex{}
		c.topics[slug] = t
	}
	t.entries = slices.Grow(t.entries, len(entries))
	for _, e := range entries {
		i, ok := c.byID[e.ID]
		if !ok {
			continue // gone
		}
		ms := e.IngestedAt.UnixMilli()
		t.entries = append(t.entries, entryRef{story: i, ingest: ms})
		c.stories[i].indexed = append(c.stories[i].indexed,
			topicEntry{topic: t, ingest: ms, label: labelOf(c.stories[i].story, slug)})
	}
	c.touch(t)
}

// fetch reads the stories of index the catalog does not hold yet.
func (c *catalog) fetch(ctx context.Context, slugs []string, index map[string][]stories.Entry) error {
	ids := c.missing(slugs, index)
	c.stories = slices.Grow(c.stories, len(ids))
	for len(ids) > 0 { // in chunks: the replies and their decoding need not all be in memory at once
		chunk := ids[:min(len(ids), fetchChunk)]
		ids = ids[len(chunk):]
		byID, err := c.getMany(ctx, chunk)
		if err != nil {
			return fmt.Errorf("digest: gather stories: %w", err)
		}
		c.hold(chunk, byID)
	}
	return nil
}

// missing lists, once each, the stories of index the catalog neither
// holds nor knows to be gone.
func (c *catalog) missing(slugs []string, index map[string][]stories.Entry) []string {
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
	return ids
}

// knownStore is what a StoryStore may offer (stories.Store does): a read
// that gives back the copies the catalog holds of unchanged stories rather
// than decode them again.
type knownStore interface {
	GetManyKnown(ctx context.Context, ids []string, held func(id string) (stories.Known, bool)) (map[string]stories.Known, error)
}

// getMany reads the stories of ids, taking prev's copies of those unchanged.
func (c *catalog) getMany(ctx context.Context, ids []string) (map[string]stories.Known, error) {
	if ks, ok := c.store.(knownStore); ok {
		return ks.GetManyKnown(ctx, ids, c.held)
	}
	byID, err := c.store.GetMany(ctx, ids)
	out := make(map[string]stories.Known, len(byID))
	for id, st := range byID {
		out[id] = stories.Known{Story: st}
	}
	return out, err
}

// held is prev's copy of the story id, if prev holds one.
func (c *catalog) held(id string) (stories.Known, bool) {
	if c.prev == nil {
		return stories.Known{}, false
	}
	i, ok := c.prev.byID[id]
	if !ok {
		return stories.Known{}, false
	}
	return stories.Known{Story: c.prev.stories[i].story, Sum: c.prev.stories[i].sum}, true
}

// hold adds the stories of ids that byID has, and notes the others gone.
func (c *catalog) hold(ids []string, byID map[string]stories.Known) {
	for _, id := range ids {
		k, ok := byID[id]
		if !ok { // expired or deleted since it was indexed
			c.gone[id] = true
			continue
		}
		c.byID[id] = int32(len(c.stories))
		c.stories = append(c.stories, newCatStory(c.same(k.Story), k.Sum))
	}
}

// newCatStory is st as the catalog holds it, room made for an index
// entry a topic it lists.
func newCatStory(st *stories.Story, sum uint64) catStory {
	return catStory{story: st, sum: sum, prio: uint8(max(st.Priority, 0) & 0xff),
		pubSec: st.PublishedAt.Unix(), pubNsec: int32(st.PublishedAt.Nanosecond()),
		indexed: make([]topicEntry, 0, max(len(st.Topics), 1))}
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
