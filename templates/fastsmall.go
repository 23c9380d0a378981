package templates

import (
	"slices"
	"strings"
	"sync"
	"time"

	"herald/digest"
	"herald/stories"
)

// The parts that depend on more than the story, or on less, are kept apart
// from the story's view: one entry for all the parts of a kind (the
// topics' HTML and text together, say), so a story costs one lookup a
// kind, and the parts that depend on the rank alone in a table by rank.
// A story's kept view also keeps, found by comparing a few names or zones
// (storyEntries), its parts by matched topics (byEntry, with the byTopics
// ones) and by zone (byPublished, with the time shown), so that a story
// shown again costs no lookup in the shared map, whose tens of thousands
// of entries missed the processor's caches; the shared map serves the
// first time.

// smallKey is what the shared parts of one kind (byTopics, byPublished)
// depend on.
type smallKey struct {
	kind keyKind
	s    string // the topics' names (byTopics) or the time shown (byPublished)
}

// smallParts fills v's parts other than its byStory ones, from v's own
// entries (every view storyView builds has them) or the caches, and sets
// its Topics (the names of the topics it matched) and Published (in loc,
// the reader's zone).
func (f *fragments) smallParts(v *StoryView, rank int, it digest.Item, loc *time.Location) error {
	if err := f.entryParts(v, it.Matched); err != nil {
		return err
	}
	if err := f.dateParts(v, it.Story.PublishedAt, loc); err != nil {
		return err
	}
	return f.rankParts(v, rank)
}

// setParts copies v's parts of kinds a and b from ps.
func (v *StoryView) setParts(ps *[nParts]string, a, b keyKind) {
	for p, spec := range parts {
		if spec.key == a || spec.key == b {
			v.parts[p] = ps[p]
		}
	}
}

// rankParts fills v's byRank parts.
func (f *fragments) rankParts(v *StoryView, rank int) error {
	for p, spec := range parts {
		if spec.key == byRank && f.plain[p] != nil {
			var err error
			if v.parts[p], err = f.rankPart(partID(p), rank, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// kindParts are the parts of kind k.kind for v, rendered and kept on a miss.
func (f *fragments) kindParts(k smallKey, v *StoryView) (*[nParts]string, error) {
	f.mu.RLock()
	ps, ok := f.small[k]
	f.mu.RUnlock()
	if ok {
		return ps, nil
	}
	ps, err := f.renderKind(k.kind, v)
	if err != nil {
		return nil, err
	}
	f.keep(k, ps)
	return ps, nil
}

// renderKind renders v's parts of one kind.
func (f *fragments) renderKind(kind keyKind, v *StoryView) (*[nParts]string, error) {
	ps := new([nParts]string)
	cp := *v // a copy for the templates, so that v stays on its caller's stack
	for p, spec := range parts {
		if spec.key != kind || f.plain[p] == nil {
			continue
		}
		var err error
		if ps[p], err = f.renderPart(partID(p), cp); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// keep puts ps in the cache, emptied first when full: compiled, the parts
// render again in a microsecond or so, so starting afresh is cheap, and
// there is no walk over the map to thin it.
func (f *fragments) keep(k smallKey, ps *[nParts]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.small) >= maxSmall {
		clear(f.small)
	}
	f.small[k] = ps
}

// rankPart is part p, which depends on the rank only, for v at rank.
func (f *fragments) rankPart(p partID, rank int, v *StoryView) (string, error) {
	f.mu.RLock()
	var s string
	if rank < len(f.ranks[p]) {
		s = f.ranks[p][rank]
	}
	f.mu.RUnlock()
	if s != "" {
		return s, nil
	}
	b, err := f.renderPart(p, *v)
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ranks[p] == nil {
		f.ranks[p] = make([]string, maxRankKept+1)
	}
	if rank < len(f.ranks[p]) {
		f.ranks[p][rank] = b
	}
	return b, nil
}

// maxRankKept is the highest rank whose parts are kept.
const maxRankKept = 100

// maxStoryEntries bounds the entries (and the dates) kept with one story
// view; when full it starts again.
const maxStoryEntries = 16

// storyEntries are the parts kept with one story view, shared by its
// copies: by matched topics, its byEntry and byTopics parts; by zone, its
// time as shown and its byPublished parts.
type storyEntries struct {
	mu    sync.Mutex
	list  []storyEntry
	dates []storyDate
}

type storyEntry struct {
	matched []stories.Topic // what topics is made of: the matched topics' names and slugs
	topics  []string        // the names shown
	parts   *[nParts]string
}

type storyDate struct {
	loc       *time.Location
	published string
	parts     *[nParts]string
}

// entryParts sets v's Topics, the names of matched, and fills its byEntry
// and byTopics parts, from v's own entries when one has the same topics
// (compared by what their names are made of, so a story shown again names
// none).
func (f *fragments) entryParts(v *StoryView, matched []stories.Topic) error {
	e := v.entries
	e.mu.Lock()
	for _, x := range e.list {
		if sameNames(x.matched, matched) {
			e.mu.Unlock()
			v.Topics = x.topics
			v.setParts(x.parts, byEntry, byTopics)
			return nil
		}
	}
	e.mu.Unlock()
	v.Topics = topicNames(matched)
	topics := strings.Join(v.Topics, "\x00")
	ps, err := f.renderKind(byEntry, v)
	if err != nil {
		return err
	}
	shared, err := f.kindParts(smallKey{kind: byTopics, s: topics}, v)
	if err != nil {
		return err
	}
	for p, spec := range parts {
		if spec.key == byTopics {
			ps[p] = shared[p]
		}
	}
	v.setParts(ps, byEntry, byTopics)
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.list) >= maxStoryEntries {
		e.list = e.list[:0]
	}
	e.list = append(e.list, storyEntry{matched: slices.Clone(matched), topics: v.Topics, parts: ps})
	return nil
}

// sameNames reports topics that topicNames names alike: the same names and
// slugs in the same order.
func sameNames(a, b []stories.Topic) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Slug != b[i].Slug {
			return false
		}
	}
	return true
}

// dateParts sets v's Published, its time at in loc, and its byPublished
// parts, from v's own dates.
func (f *fragments) dateParts(v *StoryView, at time.Time, loc *time.Location) error {
	e := v.entries
	e.mu.Lock()
	for _, d := range e.dates {
		if d.loc == loc {
			e.mu.Unlock()
			v.Published = d.published
			v.setParts(d.parts, byPublished, byPublished)
			return nil
		}
	}
	e.mu.Unlock()
	v.Published = published(at, loc)
	ps, err := f.kindParts(smallKey{kind: byPublished, s: v.Published}, v)
	if err != nil {
		return err
	}
	v.setParts(ps, byPublished, byPublished)
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.dates) >= maxStoryEntries {
		e.dates = e.dates[:0]
	}
	e.dates = append(e.dates, storyDate{loc: loc, published: v.Published, parts: ps})
	return nil
}
