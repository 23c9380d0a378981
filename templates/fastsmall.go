package templates

import (
	"slices"
	"strings"
	"sync"
)

// The parts that depend on more than the story, or on less, are kept apart
// from the story's view: one entry for all the parts of a kind (the
// topics' HTML and text together, say), so a story costs one lookup a
// kind, and the parts that depend on the rank alone in a table by rank.
// The entries (byEntry: the story and its matched topics) are kept with
// the story's kept view, a few a story found by comparing the names
// (entryParts), which keeps them out of the shared map, where lookups in
// the tens of thousands of entries missed the processor's caches.

// smallKey is what the parts of one kind (byTopics, byPublished, byEntry)
// depend on.
type smallKey struct {
	kind keyKind
	k    fragKey // byEntry
	s    string  // the topics' names (byTopics, byEntry) or the time shown (byPublished)
}

// smallParts fills v's parts other than its byStory ones, from the caches
// when they hold them; k is v's story key.
func (f *fragments) smallParts(v *StoryView, k fragKey, rank int) error {
	topics := strings.Join(v.Topics, "\x00")
	for _, sk := range [...]smallKey{{kind: byTopics, s: topics}, {kind: byPublished, s: v.Published}, {kind: byEntry, k: k, s: topics}} {
		get := f.kindParts
		if sk.kind == byEntry && v.entries != nil {
			get = f.entryParts
		}
		ps, err := get(sk, v)
		if err != nil {
			return err
		}
		for p, spec := range parts {
			if spec.key == sk.kind {
				v.parts[p] = ps[p]
			}
		}
	}
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
		if ps[p], err = f.plain[p].render(cp); err != nil {
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
	b, err := f.plain[p].render(*v)
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

// maxStoryEntries bounds the entries kept with one story view; when full
// it starts again.
const maxStoryEntries = 8

// storyEntries are the byEntry parts kept with one story view, shared by
// its copies.
type storyEntries struct {
	mu   sync.Mutex
	list []storyEntry
}

type storyEntry struct {
	topics []string
	parts  *[nParts]string
}

// entryParts is kindParts for byEntry, from v's own entries.
func (f *fragments) entryParts(k smallKey, v *StoryView) (*[nParts]string, error) {
	e := v.entries
	e.mu.Lock()
	for _, x := range e.list {
		if slices.Equal(x.topics, v.Topics) {
			e.mu.Unlock()
			return x.parts, nil
		}
	}
	e.mu.Unlock()
	ps, err := f.renderKind(k.kind, v)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.list) >= maxStoryEntries {
		e.list = e.list[:0]
	}
	e.list = append(e.list, storyEntry{topics: slices.Clone(v.Topics), parts: ps})
	return ps, nil
}
