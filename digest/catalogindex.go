package digest

import (
	"cmp"
	"slices"
	"sort"
	"strings"
)

// Ranking runs on places: the catalog's stories numbered in ranking order
// among stories that matched as many followed topics (higher priority
// first, then published later, then the smaller id). A story's rank in a
// pick is its priority, then its matched count, then its place, so a
// digest is, priority by priority and count by count, the stories of
// lowest place. A large topic keeps the set of its stories' places as a
// bitmap, so a reader's pick counts whole words of stories at once.

// topicIndex is one topic's index entries in the catalog's span.
type topicIndex struct {
	entries []entryRef // by ingest time (see reindex)
	// set holds bit p when the story at place p has an entry; nil for a
	// topic with fewer entries than a set has words.
	set   []uint64
	multi bool // a story has more than one entry: count entries, not stories
	stale bool // entries changed since set was made
}

// span is the range of t's entries ingested within (lo, hi].
func (t *topicIndex) span(lo, hi int64) (int, int) {
	a := sort.Search(len(t.entries), func(k int) bool { return t.entries[k].ingest > lo })
	b := sort.Search(len(t.entries), func(k int) bool { return t.entries[k].ingest > hi })
	return a, max(a, b)
}

// touch marks t for reindexing before the next pick.
func (c *catalog) touch(t *topicIndex) {
	if !t.stale {
		t.stale = true
		c.stale = append(c.stale, t)
	}
}

// index makes the ranking order and the topics' sets current: every topic
// once stories came in (places moved), else the topics that changed.
func (c *catalog) index() {
	if len(c.place) != len(c.stories) {
		c.rerank()
		for _, t := range c.topics {
			c.touch(t)
		}
	}
	for _, t := range c.stale {
		c.reindex(t)
	}
	c.stale = c.stale[:0]
}

// rerank puts the stories that came in since the last rerank in ranking
// order among equals in matched topics, and numbers the places.
func (c *catalog) rerank() {
	fresh := make([]int32, 0, len(c.stories)-len(c.order))
	for i := len(c.order); i < len(c.stories); i++ {
		fresh = append(fresh, int32(i))
	}
	slices.SortFunc(fresh, c.compare)
	c.order = c.merge(c.order, fresh)
	c.number()
}

// number sets each story's place from the order, the priorities' first
// places and the size of a set of places.
func (c *catalog) number() {
	c.place = slices.Grow(c.place[:0], len(c.order))[:len(c.order)]
	c.classes = c.classes[:0]
	for p, i := range c.order {
		c.place[i] = int32(p)
		if p == 0 || c.stories[i].prio != c.stories[c.order[p-1]].prio {
			c.classes = append(c.classes, int32(p))
		}
	}
	c.classes = append(c.classes, int32(len(c.order)))
	c.words = (len(c.order) + 63) / 64
}

// merge returns the stories of a and b, each in ranking order, in ranking
// order.
func (c *catalog) merge(a, b []int32) []int32 {
	out := make([]int32, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if c.compare(a[0], b[0]) <= 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// compare orders stories a and b: higher priority first, then published
// later, then the smaller id.
func (c *catalog) compare(a, b int32) int {
	sa, sb := &c.stories[a], &c.stories[b]
	switch {
	case sa.prio != sb.prio:
		return cmp.Compare(sb.prio, sa.prio)
	case sa.pubSec != sb.pubSec:
		return cmp.Compare(sb.pubSec, sa.pubSec)
	case sa.pubNsec != sb.pubNsec:
		return cmp.Compare(sb.pubNsec, sa.pubNsec)
	}
	return strings.Compare(sa.story.ID, sb.story.ID)
}

// reindex sorts t's entries by ingest time and, for a large topic, makes
// the set of its stories' places.
func (c *catalog) reindex(t *topicIndex) {
	t.stale = false
	slices.SortFunc(t.entries, func(a, b entryRef) int { return cmp.Compare(a.ingest, b.ingest) })
	t.multi = false
	if len(t.entries) < c.words {
		t.set = nil
		return
	}
	c.fill(t)
}

// fill makes t's set of places, noting whether a story has two entries.
func (c *catalog) fill(t *topicIndex) {
	t.set = slices.Grow(t.set[:0], c.words)[:c.words]
	clear(t.set)
	for _, e := range t.entries {
		p := c.place[e.story]
		bit := uint64(1) << (p & 63)
		t.multi = t.multi || t.set[p>>6]&bit != 0
		t.set[p>>6] |= bit
	}
}
