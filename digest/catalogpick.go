package digest

import (
	"math/bits"

	"herald/stories"
	"herald/subscribers"
)

// tally is a pick's count of matched followed topics, by place, as levels
// of bitmaps: level k holds the places counted more than k times, so a
// count is added to a whole word of places with a carry from level to
// level. Counts stop at maxCount.
type tally struct {
	levels  int
	counts  []uint64      // level k is counts[k*words : (k+1)*words]
	clip    []uint64      // a topic's set less its entries outside the window
	follows []*topicIndex // the reader's followed topics, nil for one not read
	top     []int32
	hits    []hit // matched topics of the picked stories, in turn
	cuts    []int // where each picked story's hits end in hits
}

// maxCount is the most matched topics a pick tells apart.
const maxCount = 255

// pick builds sub's digest for window w from the catalog: the stories of
// its followed topics ingested in w, deduplicated, ranked (higher priority
// first, then more followed topics matched, then newest, then id) and
// capped at its maximum.
// w must lie within the catalog's span for sub's topics (see load), and
// the catalog be indexed (see index).
func (c *catalog) pick(sub *subscribers.Subscriber, w Window) *Digest {
	lo, hi := w.Start.UnixMilli(), w.End.UnixMilli()
	c.countAll(sub.Topics, lo, hi)
	top, total := c.best(limitOf(sub))
	d := &Digest{Subscriber: sub, Window: w, Slot: sub.NextDue, More: total - len(top)}
	d.Items = c.items(top, sub.Topics, lo, hi)
	return d
}

func limitOf(sub *subscribers.Subscriber) int {
	if sub.MaxStories <= 0 {
		return subscribers.DefaultMaxStories
	}
	return sub.MaxStories
}

// countAll starts the tally afresh and counts the followed topics.
func (c *catalog) countAll(followed []string, lo, hi int64) {
	c.levels, c.follows = 0, c.follows[:0]
	for _, slug := range followed {
		t := c.topics[slug]
		c.follows = append(c.follows, t)
		if t != nil {
			c.count(t, lo, hi)
		}
	}
}

// count adds one to the count of each story t has an entry for in
// (lo, hi]: a word of places at a time from t's set when that is less
// work than entry by entry.
func (c *catalog) count(t *topicIndex, lo, hi int64) {
	a, b := t.span(lo, hi)
	in, out := b-a, len(t.entries)-(b-a)
	switch {
	case in == 0:
	case t.set == nil || t.multi || c.words+out > in:
		for _, e := range t.entries[a:b] {
			p := c.place[e.story]
			c.bump(int(p>>6), 1<<(p&63))
		}
	case out == 0:
		c.addSet(t.set)
	default:
		c.addSet(c.clipped(t, a, b))
	}
}

// clipped is t's set without the stories of its entries outside [a, b).
func (c *catalog) clipped(t *topicIndex, a, b int) []uint64 {
	c.clip = append(c.clip[:0], t.set...)
	for _, e := range t.entries[:a] {
		p := c.place[e.story]
		c.clip[p>>6] &^= 1 << (p & 63)
	}
	for _, e := range t.entries[b:] {
		p := c.place[e.story]
		c.clip[p>>6] &^= 1 << (p & 63)
	}
	return c.clip
}

func (c *catalog) addSet(set []uint64) {
	for w, x := range set {
		if x != 0 {
			c.bump(w, x)
		}
	}
}

// bump counts one more for the places of x in word w, carrying those
// already counted k times from level k-1 to level k.
func (c *catalog) bump(w int, x uint64) {
	for k := range c.levels {
		at := &c.counts[k*c.words+w]
		x, *at = *at&x, *at|x
		if x == 0 {
			return
		}
	}
	if c.levels < maxCount {
		c.newLevel()[w] = x
	}
}

// newLevel adds an empty level to the tally and returns it.
func (c *catalog) newLevel() []uint64 {
	c.levels++
	if n := c.levels * c.words; len(c.counts) < n {
		c.counts = append(c.counts, make([]uint64, n-len(c.counts))...)
	}
	level := c.counts[(c.levels-1)*c.words : c.levels*c.words]
	clear(level)
	return level
}

// best returns the limit best stories of the tally, best first, and how
// many stories it counted: priority by priority, the most matched first,
// each count in place order.
func (c *catalog) best(limit int) ([]int32, int) {
	top := c.top[:0]
	if c.levels == 0 {
		return top, 0
	}
	for k := 0; k+1 < len(c.classes) && len(top) < limit; k++ {
		for level := c.levels - 1; level >= 0 && len(top) < limit; level-- {
			top = c.collect(top, level, int(c.classes[k]), int(c.classes[k+1]), limit)
		}
	}
	c.top = top
	return top, c.counted()
}

// counted is how many stories the tally counted at least once.
func (c *catalog) counted() int {
	n := 0
	for _, x := range c.counts[:c.words] {
		n += bits.OnesCount64(x)
	}
	return n
}

// collect appends, in place order up to limit in all, the stories of
// places [from, to) counted exactly level+1 times.
func (c *catalog) collect(top []int32, level, from, to, limit int) []int32 {
	for w := from >> 6; w <= (to-1)>>6 && len(top) < limit; w++ {
		x := c.exact(level, w) & within(w, from, to)
		for ; x != 0 && len(top) < limit; x &= x - 1 {
			top = append(top, c.order[w<<6+bits.TrailingZeros64(x)])
		}
	}
	return top
}

// within is the mask of places [from, to) in word w.
func within(w, from, to int) uint64 {
	m := ^uint64(0)
	if w == from>>6 {
		m <<= from & 63
	}
	if w == (to-1)>>6 {
		m &= ^uint64(0) >> (63 - (to-1)&63)
	}
	return m
}

// exact is word w of the places counted exactly level+1 times.
func (c *catalog) exact(level, w int) uint64 {
	x := c.counts[level*c.words+w]
	if level+1 < c.levels {
		x &^= c.counts[(level+1)*c.words+w]
	}
	return x
}

// hit is a followed topic a story matched: the slug followed and the
// story's own topic of that slug (see labelOf).
type hit struct {
	slug  string
	label int32
}

// items are the digest's items for the picked stories top, each labelled
// with the followed topics it matched within (lo, hi]; their labels share
// one allocation.
func (c *catalog) items(top []int32, followed []string, lo, hi int64) []Item {
	c.allMatched(top, followed, lo, hi)
	items := make([]Item, len(top))
	labels := make([]stories.Topic, 0, len(c.hits))
	from := 0
	for k, i := range top {
		st, n := c.stories[i].story, len(labels)
		labels = appendLabels(labels, st, c.hits[from:c.cuts[k]])
		items[k] = Item{Story: st, Matched: labels[n:len(labels):len(labels)]}
		from = c.cuts[k]
	}
	return items
}

// allMatched finds the followed topics each story of top matched, into
// c.hits, the story's own ending at c.cuts.
func (c *catalog) allMatched(top []int32, followed []string, lo, hi int64) {
	c.hits, c.cuts = c.hits[:0], c.cuts[:0]
	for _, i := range top {
		c.hits = c.matched(c.hits, i, followed, lo, hi)
		c.cuts = append(c.cuts, len(c.hits))
	}
}

// matched appends the followed topics (in follow order) under which story
// i is indexed within (lo, hi]; c.follows holds their indexes.
func (c *catalog) matched(out []hit, i int32, followed []string, lo, hi int64) []hit {
	for k, t := range c.follows {
		for _, e := range c.stories[i].indexed {
			if e.topic == t && e.ingest > lo && e.ingest <= hi {
				out = append(out, hit{slug: followed[k], label: e.label})
				break
			}
		}
	}
	return out
}

// appendLabels appends what matchedTopics labels st with for the slugs of
// hits, from the labels the hits carry: st's own topics in its order, then
// the slugs it does not list.
func appendLabels(dst []stories.Topic, st *stories.Story, hits []hit) []stories.Topic {
	base := len(dst)
	for j := range st.Topics {
		if hasLabel(hits, int32(j)) {
			dst = append(dst, st.Topics[j])
		}
	}
	for _, h := range hits {
		if h.label < 0 && !hasTopic(dst[base:], h.slug) {
			dst = append(dst, stories.Topic{Slug: h.slug, Name: h.slug})
		}
	}
	return dst
}

func hasLabel(hits []hit, j int32) bool {
	for _, h := range hits {
		if h.label == j {
			return true
		}
	}
	return false
}
