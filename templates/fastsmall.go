package templates

import (
	"slices"
	"sync"
)

// The parts that depend on more than the story, or on less, are kept apart
// from the story's parts: with each kept story view, the parts that depend
// on the matched topics (byTopics, byEntry) and those on the time shown
// (byPublished), a few entries looked up by comparing what they depend on,
// so a story costs two short scans for them; the parts that depend on the
// rank alone in a table by rank.

// maxKeptBytes bounds the parts kept with one story view (viewBytes counts
// it); when a part would pass it, the story's list starts again.
const maxKeptBytes = 4 << 10

// keptParts are the small parts kept with one story view, shared by its
// copies.
type keptParts struct {
	mu    sync.RWMutex
	list  []keptPart
	bytes int
}

// keptPart is the parts of one kind of key: by topics when topics is not
// nil (the names matched), else by published (the time shown).
type keptPart struct {
	topics    []string
	published string
	parts     *[nParts]string
}

func (k *keptPart) is(v *StoryView, byTopic bool) bool {
	if byTopic {
		return k.topics != nil && slices.Equal(k.topics, v.Topics)
	}
	return k.topics == nil && k.published == v.Published
}

// smallParts fills v's parts other than its byStory ones, from those kept
// with it when they are there.
func (f *fragments) smallParts(v *StoryView, rank int) error {
	for _, byTopic := range [...]bool{true, false} {
		ps, err := f.keptFor(v, byTopic)
		if err != nil {
			return err
		}
		for p, spec := range parts {
			if (spec.key == byTopics || spec.key == byEntry) == byTopic && spec.key != byStory && spec.key != byRank {
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

// keptFor is v's parts by topics (or by the time shown), rendered and kept
// on a miss.
func (f *fragments) keptFor(v *StoryView, byTopic bool) (*[nParts]string, error) {
	kp := v.kept
	kp.mu.RLock()
	for i := range kp.list {
		if kp.list[i].is(v, byTopic) {
			ps := kp.list[i].parts
			kp.mu.RUnlock()
			return ps, nil
		}
	}
	kp.mu.RUnlock()
	ps, size, err := f.renderSmall(v, byTopic)
	if err != nil {
		return nil, err
	}
	k := keptPart{published: v.Published, parts: ps}
	if byTopic {
		k.topics = append(make([]string, 0, len(v.Topics)), v.Topics...)
	}
	kp.keep(k, size)
	return ps, nil
}

// renderSmall renders v's parts by topics (or by the time shown) and says
// about how many bytes they hold.
func (f *fragments) renderSmall(v *StoryView, byTopic bool) (*[nParts]string, int, error) {
	ps, size := new([nParts]string), 64
	cp := *v // a copy for the templates, so that v stays on its caller's stack
	for p, spec := range parts {
		if f.plain[p] == nil || (spec.key == byTopics || spec.key == byEntry) != byTopic || spec.key == byStory || spec.key == byRank {
			continue
		}
		b, err := f.plain[p].execute(cp)
		if err != nil {
			return nil, 0, err
		}
		ps[p] = string(b)
		size += len(b)
	}
	for _, t := range v.Topics {
		size += len(t)
	}
	return ps, size, nil
}

func (kp *keptParts) keep(k keptPart, size int) {
	kp.mu.Lock()
	defer kp.mu.Unlock()
	if kp.bytes+size > maxKeptBytes {
		kp.list, kp.bytes = nil, 0
	}
	kp.list = append(kp.list, k)
	kp.bytes += size
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
	b, err := f.plain[p].execute(*v)
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ranks[p] == nil {
		f.ranks[p] = make([]string, maxRankKept+1)
	}
	if rank < len(f.ranks[p]) {
		f.ranks[p][rank] = string(b)
	}
	return string(b), nil
}

// maxRankKept is the highest rank whose parts are kept.
const maxRankKept = 100
