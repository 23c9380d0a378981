package digest

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/stories"
	"herald/subscribers"
)

// refPicker is the catalog's pick as it was before places and bitmaps: a
// count per story over the followed topics' entries, then an insertion of
// each counted story's key into the running best.
type refPicker struct {
	c     *catalog
	rank  []uint32
	count []uint8
}

func newRefPicker(c *catalog) *refPicker {
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
	rp := &refPicker{c: c, rank: make([]uint32, len(order)), count: make([]uint8, len(order))}
	for r, i := range order {
		rp.rank[i] = uint32(r)
	}
	return rp
}

func (rp *refPicker) pick(sub *subscribers.Subscriber, w Window) *Digest {
	c := rp.c
	lo, hi := w.Start.UnixMilli(), w.End.UnixMilli()
	var touched []int32
	for _, slug := range sub.Topics {
		t := c.topics[slug]
		if t == nil {
			continue
		}
		for _, e := range t.entries {
			if e.ingest <= lo || e.ingest > hi {
				continue
			}
			if rp.count[e.story] == 0 {
				touched = append(touched, e.story)
			}
			if rp.count[e.story] < 255 {
				rp.count[e.story]++
			}
		}
	}
	top := rp.best(touched, limitOf(sub))
	d := &Digest{Subscriber: sub, Window: w, Slot: sub.NextDue, More: len(touched) - len(top)}
	for _, i := range top {
		st := c.stories[i].story
		d.Items = append(d.Items, Item{Story: st, Matched: matchedTopics(st, rp.matched(i, sub.Topics, lo, hi))})
	}
	for _, i := range touched {
		rp.count[i] = 0
	}
	return d
}

// matched lists the followed slugs (in follow order) with an entry for
// story i within (lo, hi].
func (rp *refPicker) matched(i int32, followed []string, lo, hi int64) []string {
	var out []string
	for _, slug := range followed {
		if t := rp.c.topics[slug]; t != nil && slices.ContainsFunc(t.entries, func(e entryRef) bool {
			return e.story == i && e.ingest > lo && e.ingest <= hi
		}) {
			out = append(out, slug)
		}
	}
	return out
}

func (rp *refPicker) best(touched []int32, limit int) []int32 {
	var top []int32
	var keys []uint64
	for _, i := range touched {
		prio := uint64(max(rp.c.stories[i].story.Priority, 0)) & 0xff
		k := prio<<40 | uint64(rp.count[i])<<32 | uint64(^rp.rank[i])
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
	return top
}

// randomStories is n stories on nTopics topics, a few high numbers far
// more often, ingested over a day before end: random priorities (some out
// of range), publication times that often tie, a few stories re-indexed
// later on a topic they already had, a few listing a topic twice or
// indexed on one they do not list, and one stored story in ten gone.
func randomStories(r *rand.Rand, n, nTopics int, end time.Time) *memStories {
	m := &memStories{index: map[string][]stories.Entry{}, stories: map[string]*stories.Story{}}
	z := rand.NewZipf(r, 1.1, 1, uint64(nTopics-1))
	for i := range n {
		ingest := end.Add(-time.Duration(r.IntN(24*3600)) * time.Second)
		st := &stories.Story{ID: fmt.Sprintf("s%05d", i), Priority: r.IntN(12) - 1,
			PublishedAt: ingest.Add(-time.Duration(r.IntN(4)) * time.Hour).Truncate(time.Hour)}
		if r.IntN(3) > 0 {
			st.Priority = 0
		} else if r.IntN(50) == 0 {
			st.Priority = 256 + r.IntN(3)
		}
		for range 1 + r.IntN(4) {
			slug := fmt.Sprintf("t%02d", z.Uint64())
			if !slices.ContainsFunc(st.Topics, func(t stories.Topic) bool { return t.Slug == slug }) {
				st.Topics = append(st.Topics, stories.Topic{Slug: slug, Name: "Topic " + slug})
				m.index[slug] = append(m.index[slug], stories.Entry{ID: st.ID, IngestedAt: ingest})
				if r.IntN(40) == 0 {
					m.index[slug] = append(m.index[slug], stories.Entry{ID: st.ID, IngestedAt: ingest.Add(time.Hour)})
				}
			}
		}
		if k := r.IntN(30); k == 0 {
			st.Topics = append(st.Topics, stories.Topic{Slug: st.Topics[0].Slug, Name: "Again"})
		} else if k == 1 {
			slug := fmt.Sprintf("t%02d", z.Uint64())
			m.index[slug] = append(m.index[slug], stories.Entry{ID: st.ID, IngestedAt: ingest})
		}
		if r.IntN(10) > 0 {
			m.stories[st.ID] = st
		}
	}
	return m
}

// randomReaders are n readers with random caps, cursors back to 30 hours
// before end and followed topics: sometimes one not indexed, sometimes
// one twice, now and then one followed about as often as a pick tells
// counts apart (maxCount).
func randomReaders(r *rand.Rand, n, nTopics int, end time.Time) []*subscribers.Subscriber {
	subs := make([]*subscribers.Subscriber, n)
	for i := range subs {
		sub := &subscribers.Subscriber{ID: fmt.Sprintf("r%d", i), MaxStories: r.IntN(25) - 2,
			Cursor: end.Add(-time.Duration(r.IntN(30*3600)) * time.Second)}
		for range 1 + r.IntN(8) {
			sub.Topics = append(sub.Topics, fmt.Sprintf("t%02d", r.IntN(nTopics+2)))
		}
		switch r.IntN(100) {
		case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9:
			sub.Topics = append(sub.Topics, sub.Topics[0])
		case 10, 11, 12, 13, 14:
			for range 252 + r.IntN(4) {
				sub.Topics = append(sub.Topics, sub.Topics[len(sub.Topics)-1])
			}
		}
		subs[i] = sub
	}
	return subs
}

// sameDigest reports how got differs from want, "" when not at all.
func sameDigest(got, want *Digest) string {
	if len(got.Items) != len(want.Items) || got.More != want.More || got.Window != want.Window || !got.Slot.Equal(want.Slot) {
		return fmt.Sprintf("%d items more %d, want %d more %d", len(got.Items), got.More, len(want.Items), want.More)
	}
	for k := range got.Items {
		g, w := got.Items[k], want.Items[k]
		if g.Story != w.Story || !slices.Equal(g.Matched, w.Matched) {
			return fmt.Sprintf("item %d: %s %v, want %s %v", k, g.Story.ID, g.Matched, w.Story.ID, w.Matched)
		}
	}
	return ""
}

// The catalog's pick is the previous pick's, digest for digest, over many
// random catalogs read batch by batch (the span growing back and forward)
// and random readers.
func TestPickAsBefore(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	ctx := context.Background()
	for round := range 40 {
		end := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
		nTopics := 2 + r.IntN(60)
		m := randomStories(r, 1+r.IntN(3000), nTopics, end)
		cat := newCatalog(m, end.Add(-6*time.Hour), end, nil)
		for batch := range 6 {
			if batch == 3 {
				if err := cat.extend(ctx, end); err != nil {
					t.Fatal(err)
				}
			}
			subs := randomReaders(r, 1+r.IntN(40), nTopics, cat.end)
			ds, err := cat.build(ctx, subs)
			if err != nil {
				t.Fatal(err)
			}
			ref := newRefPicker(cat)
			for i, d := range ds {
				if diff := sameDigest(d, ref.pick(subs[i], d.Window)); diff != "" {
					t.Fatalf("round %d batch %d reader %v cap %d window %v: %s",
						round, batch, subs[i].Topics, subs[i].MaxStories, d.Window, diff)
				}
			}
		}
	}
}
