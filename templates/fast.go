package templates

import (
	"bytes"
	"crypto/rand"
	"fmt"
	htmltemplate "html/template"
	"sync"
	"sync/atomic"
	texttemplate "text/template"
	"time"

	"herald/digest"
	"herald/stories"
	"herald/subscribers"
)

// Rendering a digest email is mostly rendering its stories, and a story is
// made of parts that depend on little: "story-body" (summary, sources,
// analysis, the link) and the HTML "story-title" on the story and the
// layout only, the text "story-title" on the rank too, "story-topics" on
// the names of the matched topics, "story-date" on the time as shown in
// the reader's zone. What "story" itself adds around them is a few lines.
// So RenderEmail renders each part once per key, with the HTML or the text
// set, and keeps it (bounded caches). The entry templates then run from
// clones of the sets in which each part's template is redefined to print a
// marker, and the kept part replaces the marker afterwards (expand): byte
// for byte what calling the template would print, without running it. When
// "story" is only text around its parts, as in the defaults, it is
// rendered once into a skeleton and does not run either.
//
// Load checks that: it renders digests made to tell (the same story at two
// ranks, in two zones, with other topics; two stories with the same topics
// or the same time; text that each escaping context escapes differently)
// both ways, and keeps the fast way only when the bytes are the same.
// Overrides without these templates, that call them in a place other than
// HTML text, or make them depend on more, render the plain way.

// maxFragmentBytes bounds the story cache (its text, roughly); when a new
// story would pass it, stories chosen at random make room.
const maxFragmentBytes = 32 << 20

// maxSmall bounds the cache of parts keyed by topics, time or entry; when
// full, it is emptied (see keep).
const maxSmall = 1 << 16

// maxSeen bounds seen; when full it is emptied.
const maxSeen = 1 << 16

// partID names one kept part of a story.
type partID int

const (
	bodyHTML partID = iota
	titleHTML
	topicsHTML
	dateHTML
	bodyText
	titleText
	topicsText
	dateText
	entryHTML
	entryOpenHTML
	anchorHTML
	entryText
	numberText
	nParts
)

// keyKind is what a part depends on.
type keyKind int

const (
	byStory     keyKind = iota // the story, .Full and the layout: kept with the story's view
	byTopics                   // the matched topics' names
	byPublished                // the publication time as shown
	byRank                     // the rank only
	byEntry                    // the story and the matched topics' names
)

var parts = [nParts]struct {
	name string
	html bool
	key  keyKind
}{
	bodyHTML:   {"story-body", true, byStory},
	titleHTML:  {"story-title", true, byStory},
	topicsHTML: {"story-topics", true, byTopics},
	dateHTML:   {"story-date", true, byPublished},
	bodyText:   {"story-body", false, byStory},
	titleText:  {"story-title", false, byStory},
	topicsText: {"story-topics", false, byTopics},
	dateText:   {"story-date", false, byPublished},
	// The story's entry in "In this digest" and its anchor. What depends
	// on the rank (the link to the anchor, the number) is a part of its
	// own, so the entries and titles, many more, are kept by story.
	entryHTML:     {"entry", true, byEntry},
	entryOpenHTML: {"entry-open", true, byRank},
	anchorHTML:    {"anchor", true, byRank},
	entryText:     {"entry", false, byEntry},
	numberText:    {"number", false, byRank},
}

// fragments is the fast way: the clones, the plain part templates and the
// caches.
type fragments struct {
	html, text entry          // clones printing markers for the parts
	subject    entry          // the subject, compiled (nil prog: not)
	plain      [nParts]*entry // each part's own template; nil when its set has none

	mu    sync.RWMutex
	cache map[fragKey]StoryView // the view with its byStory parts
	bytes int                   // of cache, by viewBytes
	// seen holds stories rendered once and not kept for want of room: a
	// story that would push others out is kept the second time, so that
	// stories in one digest only do not push out those in many.
	seen  map[fragKey]bool
	small map[smallKey]*[nParts]string // the parts of one kind (fastsmall.go)
	ranks [nParts][]string             // byRank parts by rank, "" until rendered

	markers [nMarks][]string // by part (or whole story) and story slot
	// skel is, for the HTML and the text set, the output of "story" as
	// text and parts when "story" is only that (see skeleton); nil when
	// it is not, and "story" runs.
	skel [2][]segment
	// ranges are the bodies of the flattened ranges (see fastrange.go).
	ranges []flatRange
}

// The markers of whole stories, after those of the parts.
const (
	markStoryHTML = nParts + iota
	markStoryText
	nMarks
)

// segment is a piece of a story skeleton: text, or a part (part >= 0).
type segment struct {
	text string
	part partID
}

// fragKey is what a byStory part depends on. The story is keyed by its
// pointer: a story re-read from the store (perhaps changed) is a new key.
type fragKey struct {
	st   *stories.Story
	full bool
	l    layout
}

// markerLen is the length of a marker: NUL, a random nonce (so that no
// text can pass for one), the part, the slot in three digits, NUL.
const markerLen = 1 + 16 + 1 + 3 + 1

func newMarkers() (m [nMarks][]string) {
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	for p := range m {
		for slot := range subscribers.MaxMaxStories + 1 {
			m[p] = append(m[p], fmt.Sprintf("\x00%x%c%03d\x00", nonce, 'a'+p, slot))
		}
	}
	return m
}

// newFragments clones the HTML and text sets (before either ran) with
// every part template they have redefined to print its marker. It returns
// nil when they have none.
func newFragments(html, text entry) (*fragments, error) {
	h, hok := html.set.(*htmltemplate.Template)
	t, tok := text.set.(*texttemplate.Template)
	if !hok || !tok {
		return nil, nil
	}
	f := &fragments{cache: make(map[fragKey]StoryView), seen: make(map[fragKey]bool),
		small: make(map[smallKey]*[nParts]string), markers: newMarkers()}
	for p, spec := range parts {
		switch {
		case spec.html && h.Lookup(spec.name) != nil:
			f.plain[p] = &entry{set: h, name: spec.name}
		case !spec.html && t.Lookup(spec.name) != nil:
			f.plain[p] = &entry{set: t, name: spec.name}
		}
	}
	if f.plain == [nParts]*entry{} {
		return nil, nil
	}
	// Two clones of each set: one to render the story skeleton with, one
	// (with "story" redefined too, when it has a skeleton) to render with.
	hs, hc, err := f.cloneHTML(h)
	if err != nil {
		return nil, err
	}
	ts, tc, err := f.cloneText(t)
	if err != nil {
		return nil, err
	}
	if f.skel[0], err = f.skeleton(hs, h.Lookup(storyName) != nil && composite(h.Lookup(storyName).Tree, f.has(true))); err != nil {
		return nil, err
	}
	if f.skel[1], err = f.skeleton(ts, t.Lookup(storyName) != nil && composite(t.Lookup(storyName).Tree, f.has(false))); err != nil {
		return nil, err
	}
	if err := f.redefineStory(hc, tc); err != nil {
		return nil, err
	}
	if err := f.flattenHTML(hc); err != nil {
		return nil, err
	}
	if err := f.flattenText(tc); err != nil {
		return nil, err
	}
	f.html = entry{set: hc, name: html.name, size: new(atomic.Int64), bufs: new(sync.Pool)}
	f.text = entry{set: tc, name: text.name, size: new(atomic.Int64), bufs: new(sync.Pool)}
	return f, nil
}

const storyName = "story"

func partFunc(p partID) string { return fmt.Sprintf("heraldStoryPart%d", p) }

// mark is what the clones print for mark p (a part, or a whole story) of
// v: its marker, or the part itself for a story past the markers.
func (f *fragments) mark(p partID, v *StoryView) string {
	if v.slot < len(f.markers[p]) {
		return f.markers[p][v.slot]
	}
	if p >= nParts {
		return string(f.appendStory(nil, p, v))
	}
	return v.parts[p]
}

// appendMark appends what mark p of v stands for.
func (f *fragments) appendMark(dst []byte, p partID, v *StoryView) []byte {
	if p >= nParts {
		return f.appendStory(dst, p, v)
	}
	return append(dst, v.parts[p]...)
}

// appendStory appends the whole story v by its skeleton (mark markStoryHTML
// or markStoryText).
func (f *fragments) appendStory(b []byte, mark partID, v *StoryView) []byte {
	for _, seg := range f.skel[mark-nParts] {
		if seg.part < 0 {
			b = append(b, seg.text...)
		} else {
			b = append(b, v.parts[seg.part]...)
		}
	}
	return b
}

// storyView is newStoryView with the story's parts rendered, from the
// caches when they hold them, built in v.
func (f *fragments) storyView(v *StoryView, rank int, it digest.Item, full bool, l layout, loc *time.Location) error {
	k := fragKey{st: it.Story, full: full, l: l}
	f.mu.RLock()
	cached, ok := f.cache[k]
	f.mu.RUnlock()
	if ok {
		*v = cached
	} else {
		var err error
		if *v, err = f.base(it.Story, full, l); err != nil {
			return err
		}
		f.put(k, *v)
	}
	v.Rank = rank
	return f.smallParts(v, rank, it, loc)
}

// base is the story's view with its byStory parts rendered, before
// personalize.
func (f *fragments) base(st *stories.Story, full bool, l layout) (StoryView, error) {
	v := storyBase(st, full, l)
	for p, spec := range parts {
		if f.plain[p] == nil || spec.key != byStory {
			continue
		}
		var err error
		if v.parts[p], err = f.renderPart(partID(p), v); err != nil {
			return v, err
		}
	}
	v.entries = new(storyEntries)
	v.preheader = line(st.Summary, preheaderRunes)
	v.prehead = line(v.Headline, preheadHeadRunes)
	v.ahead = true
	return v, nil
}

// renderPart renders part p of v; a text part squeezed (see squeeze), as
// tidyText would have it anyway.
func (f *fragments) renderPart(p partID, v StoryView) (string, error) {
	s, err := f.plain[p].render(v)
	if err != nil || parts[p].html {
		return s, err
	}
	return squeeze(s), nil
}

func (f *fragments) put(k fragKey, v StoryView) {
	size := viewBytes(v)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.cache[k]; ok {
		return
	}
	if f.bytes+size > maxFragmentBytes && !f.seen[k] {
		if len(f.seen) >= maxSeen {
			clear(f.seen)
		}
		f.seen[k] = true
		return
	}
	delete(f.seen, k)
	for old, ov := range f.cache { // map order is random
		if f.bytes+size <= maxFragmentBytes {
			break
		}
		delete(f.cache, old)
		f.bytes -= viewBytes(ov)
	}
	f.cache[k] = v
	f.bytes += size
}

// viewBytes is about the memory a cached story view holds.
func viewBytes(v StoryView) int {
	n := len(v.Headline) + len(v.URL) + len(v.preheader) + 256 + 512 // 512: some entries
	for _, p := range v.parts {
		n += len(p)
	}
	for _, p := range v.Summary {
		n += len(p)
	}
	for _, p := range v.Background {
		n += len(p)
	}
	for _, a := range v.Analysis {
		n += len(a.Heading)
		for _, p := range a.Body {
			n += len(p)
		}
	}
	for _, src := range v.Sources {
		n += len(src.Outlet) + len(src.URL)
		for _, p := range src.Summary {
			n += len(p)
		}
	}
	for _, q := range v.Questions {
		n += len(q.Question)
		for _, p := range q.Answer {
			n += len(p)
		}
	}
	return n
}

// expand returns a copy of out, the HTML or (text) the text email, with
// its markers replaced by the parts of v's stories.
func (f *fragments) expand(out []byte, v *View, text bool) []byte {
	i := bytes.IndexByte(out, 0)
	if i < 0 {
		return bytes.Clone(out)
	}
	skel := f.skel[0]
	if text {
		skel = f.skel[1]
	}
	size := len(out)
	for k := range v.Stories {
		for p, spec := range parts {
			if spec.html != text {
				size += len(v.Stories[k].parts[p])
			}
		}
		for _, seg := range skel {
			size += len(seg.text)
		}
	}
	res := make([]byte, 0, size)
	for i >= 0 {
		res = append(res, out[:i]...)
		out = out[i:]
		if p, slot, ok := f.parse(out); ok && slot < len(v.Stories) {
			if p >= nParts {
				res = f.appendStory(res, p, &v.Stories[slot])
			} else {
				res = append(res, v.Stories[slot].parts[p]...)
			}
			out = out[markerLen:]
		} else {
			res = append(res, 0)
			out = out[1:]
		}
		i = bytes.IndexByte(out, 0)
	}
	return append(res, out...)
}

// parse reads the marker at the start of b.
func (f *fragments) parse(b []byte) (p partID, slot int, ok bool) {
	if len(b) < markerLen || b[markerLen-1] != 0 {
		return 0, 0, false
	}
	p = partID(b[17] - 'a')
	if p < 0 || p >= nMarks {
		return 0, 0, false
	}
	slot = int(b[18]-'0')*100 + int(b[19]-'0')*10 + int(b[20]-'0')
	if slot >= len(f.markers[p]) || f.markers[p][slot] != string(b[:markerLen]) {
		return 0, 0, false
	}
	return p, slot, true
}
