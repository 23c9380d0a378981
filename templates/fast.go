package templates

import (
	"bytes"
	"crypto/rand"
	"errors"
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

// Rendering a digest email is mostly rendering its stories, and most of a
// story (the "story-body" template: summary, sources, analysis, the link;
// and "story-title" in HTML) is the same in every digest that shows it in
// the same layout; only the rest differs (rank, matched topics, the time in
// the reader's zone). So RenderEmail renders each story's body (and title)
// once, with the HTML and the text set, and keeps it with the story's view
// (a bounded cache). The entry templates then run from clones of the sets
// in which "story-body" (and "story-title") is redefined to print what was
// kept, byte for byte what calling the template would print.
//
// Load checks that: it renders the sample digests both ways and keeps the
// fast way only when the bytes are the same. Overrides that have no
// "story-body", call it in a place other than HTML text, or make it depend
// on the reader render the plain way.

// maxFragmentBytes bounds the story cache (its text, roughly); when a new
// story would pass it, stories chosen at random make room.
const maxFragmentBytes = 32 << 20

// fragments is the fast way: the clones and the story cache.
type fragments struct {
	html entry // the HTML set, "story-body" (and "story-title") printing the kept HTML
	text entry // the text set, "story-body" printing the kept text
	// bodyHTML, bodyText and titleHTML render a story's parts with the
	// plain sets; titleHTML is nil when the HTML set has no "story-title".
	bodyHTML, bodyText entry
	titleHTML          *entry
	// titleText renders the text "story-title" (nil: none), which
	// depends on the rank too, so its results are kept apart.
	titleText *entry

	mu     sync.RWMutex
	cache  map[fragKey]StoryView
	bytes  int // of the cache, by viewBytes
	titles map[titleKey]string
	// seen holds stories rendered once and not kept: a story is kept the
	// second time it is rendered, so that stories in one digest only do
	// not push out those in many.
	seen map[fragKey]bool

	markers [nParts][]string // by part and story slot
}

// The kept parts of a story. The clones print a short marker for each
// (the part and the story's place in View.Stories) and expand puts the
// part in its place afterwards: one copy of the part, where printing it
// through the template would copy it twice and format it.
const (
	partBodyHTML = iota
	partTitleHTML
	partBodyText
	partTitleText
	nParts
)

// markerLen is the length of a marker: NUL, a random nonce (so that no
// text can pass for one), the part, the slot in three digits, NUL.
const markerLen = 1 + 16 + 1 + 3 + 1

func newMarkers() (m [nParts][]string) {
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	for p := range m {
		for slot := range subscribers.MaxMaxStories + 1 {
			m[p] = append(m[p], fmt.Sprintf("\x00%x%c%03d\x00", nonce, 'a'+p, slot))
		}
	}
	return m
}

// mark is what the clone prints for part of v: its marker, or the part
// itself for a story past the markers.
func (f *fragments) mark(part int, v StoryView) string {
	if v.slot < len(f.markers[part]) {
		return f.markers[part][v.slot]
	}
	return v.part(part)
}

// part is one kept part of v.
func (v *StoryView) part(part int) string {
	switch part {
	case partBodyHTML:
		return string(v.html)
	case partTitleHTML:
		return string(v.title)
	case partBodyText:
		return v.text
	}
	return v.textTitle
}

// expand replaces the markers in out by the parts of v's stories.
func (f *fragments) expand(out []byte, v *View) []byte {
	i := bytes.IndexByte(out, 0)
	if i < 0 {
		return out
	}
	size := len(out)
	for k := range v.Stories {
		sv := &v.Stories[k]
		size += len(sv.html) + len(sv.title) + len(sv.text) + len(sv.textTitle)
	}
	res := make([]byte, 0, size)
	for i >= 0 {
		res = append(res, out[:i]...)
		out = out[i:]
		if part, slot, ok := f.parse(out); ok && slot < len(v.Stories) {
			res = append(res, v.Stories[slot].part(part)...)
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
func (f *fragments) parse(b []byte) (part, slot int, ok bool) {
	if len(b) < markerLen || b[markerLen-1] != 0 {
		return 0, 0, false
	}
	part = int(b[17] - 'a')
	if part < 0 || part >= nParts {
		return 0, 0, false
	}
	slot = int(b[18]-'0')*100 + int(b[19]-'0')*10 + int(b[20]-'0')
	if slot >= len(f.markers[part]) || f.markers[part][slot] != string(b[:markerLen]) {
		return 0, 0, false
	}
	return part, slot, true
}

// maxSeen bounds seen; when full it is emptied.
const maxSeen = 1 << 16

// titleKey is what a text story title depends on.
type titleKey struct {
	fragKey
	rank int
}

// maxTitles bounds the text titles kept; when full, they are all dropped.
const maxTitles = 1 << 16

// fragKey is what a story body depends on. The story is keyed by its
// pointer: a story re-read from the store (perhaps changed) is a new key.
type fragKey struct {
	st   *stories.Story
	full bool
	l    layout
}

// Names of the fragment functions; "herald" keeps them apart from user ones.
const (
	fnBodyHTML  = "heraldStoryBodyHTML"
	fnBodyText  = "heraldStoryBodyText"
	fnTitleHTML = "heraldStoryTitleHTML"
	fnTitleText = "heraldStoryTitleText"
	bodyName    = "story-body"
	titleName   = "story-title"
)

// newFragments clones the HTML and text sets (before either ran) with
// "story-body" redefined. It returns nil when a set has none.
func newFragments(html, text entry) (*fragments, error) {
	h, hok := html.set.(*htmltemplate.Template)
	t, tok := text.set.(*texttemplate.Template)
	if !hok || !tok || h.Lookup(bodyName) == nil || t.Lookup(bodyName) == nil {
		return nil, nil
	}
	hc, err := h.Clone()
	if err != nil {
		return nil, fmt.Errorf("templates: clone HTML: %w", err)
	}
	f := &fragments{cache: make(map[fragKey]StoryView), titles: make(map[titleKey]string),
		seen: make(map[fragKey]bool), markers: newMarkers()}
	hc.Funcs(htmltemplate.FuncMap{
		fnBodyHTML:  func(v StoryView) htmltemplate.HTML { return htmltemplate.HTML(f.mark(partBodyHTML, v)) },
		fnTitleHTML: func(v StoryView) htmltemplate.HTML { return htmltemplate.HTML(f.mark(partTitleHTML, v)) },
	})
	if _, err := hc.New(bodyName).Parse("{{" + fnBodyHTML + " .}}"); err != nil {
		return nil, fmt.Errorf("templates: fast HTML story body: %w", err)
	}
	var title *entry
	if h.Lookup(titleName) != nil {
		if _, err := hc.New(titleName).Parse("{{" + fnTitleHTML + " .}}"); err != nil {
			return nil, fmt.Errorf("templates: fast HTML story title: %w", err)
		}
		title = &entry{set: h, name: titleName}
	}
	tc, err := t.Clone()
	if err != nil {
		return nil, fmt.Errorf("templates: clone text: %w", err)
	}
	tc.Funcs(texttemplate.FuncMap{
		fnBodyText:  func(v StoryView) string { return f.mark(partBodyText, v) },
		fnTitleText: func(v StoryView) string { return f.mark(partTitleText, v) },
	})
	if _, err := tc.New(bodyName).Parse("{{" + fnBodyText + " .}}"); err != nil {
		return nil, fmt.Errorf("templates: fast text story body: %w", err)
	}
	var titleText *entry
	if t.Lookup(titleName) != nil {
		if _, err := tc.New(titleName).Parse("{{" + fnTitleText + " .}}"); err != nil {
			return nil, fmt.Errorf("templates: fast text story title: %w", err)
		}
		titleText = &entry{set: t, name: titleName}
	}
	f.html = entry{set: hc, name: html.name, size: new(atomic.Int64)}
	f.text = entry{set: tc, name: text.name, size: new(atomic.Int64)}
	f.bodyHTML, f.bodyText = entry{set: h, name: bodyName}, entry{set: t, name: bodyName}
	f.titleHTML, f.titleText = title, titleText
	return f, nil
}

// storyView is newStoryView with the story's body rendered, from the
// cache when it holds it.
func (f *fragments) storyView(rank int, it digest.Item, full bool, l layout, loc *time.Location) (StoryView, error) {
	k := fragKey{st: it.Story, full: full, l: l}
	f.mu.RLock()
	v, ok := f.cache[k]
	f.mu.RUnlock()
	if !ok {
		var err error
		if v, err = f.body(it.Story, full, l); err != nil {
			return v, err
		}
		f.put(k, v)
	}
	v.personalize(rank, it, loc)
	if f.titleText != nil {
		var err error
		if v.textTitle, err = f.textTitle(titleKey{k, rank}, v); err != nil {
			return v, err
		}
	}
	return v, nil
}

// textTitle is the text "story-title" of v, from the cache when it holds it.
func (f *fragments) textTitle(k titleKey, v StoryView) (string, error) {
	f.mu.RLock()
	title, ok := f.titles[k]
	f.mu.RUnlock()
	if ok {
		return title, nil
	}
	b, err := f.titleText.execute(v)
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.titles) >= maxTitles {
		clear(f.titles)
	}
	f.titles[k] = string(b)
	return string(b), nil
}

// body is the story's view with its body rendered, before personalize.
func (f *fragments) body(st *stories.Story, full bool, l layout) (StoryView, error) {
	v := storyBase(st, full, l)
	html, err := f.bodyHTML.execute(v)
	if err != nil {
		return v, err
	}
	text, err := f.bodyText.execute(v)
	if err != nil {
		return v, err
	}
	v.html, v.text = htmltemplate.HTML(html), string(text)
	if f.titleHTML != nil {
		title, err := f.titleHTML.execute(v)
		if err != nil {
			return v, err
		}
		v.title = htmltemplate.HTML(title)
	}
	v.subject, v.preheader = line(st.Headline, subjectHeadlineRunes), line(st.Summary, preheaderRunes)
	v.ahead = true
	return v, nil
}

func (f *fragments) put(k fragKey, v StoryView) {
	size := viewBytes(v)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.cache[k]; ok {
		return
	}
	if !f.seen[k] {
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
	n := len(v.html) + len(v.text) + len(v.title) + len(v.Headline) + len(v.URL) + len(v.subject) + len(v.preheader) + 256
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

// verifyDigests are the sample digests, and the full one again with text
// that every escaping context escapes differently, so that a story part
// called where it would be escaped otherwise than alone shows.
func verifyDigests() []*digest.Digest {
	ds := sampleDigests()
	tricky := *ds[0]
	tricky.Items = nil
	for _, it := range ds[0].Items {
		st := *it.Story
		st.Headline = `<b>"Q" & 'A'</b> ` + st.Headline
		st.Summary = `a < b && "c" > 'd' ` + st.Summary
		tricky.Items = append(tricky.Items, digest.Item{Story: &st, Matched: it.Matched})
	}
	return append(ds, &tricky)
}

// errFastDiffers says the fast way would not print what the templates do.
var errFastDiffers = errors.New("templates: story fragments render differently")

// verify renders the sample digests the plain and the fast way and
// reports errFastDiffers unless the emails are the same.
func (s *Set) verify() error {
	for _, d := range verifyDigests() {
		for _, l := range s.emailLayouts() {
			plain, err := s.renderLayout(d, l, nil)
			if err != nil {
				return err
			}
			fast, err := s.renderLayout(d, l, s.frags)
			if err != nil {
				return err
			}
			if !bytes.Equal(plain.HTML, fast.HTML) || !bytes.Equal(plain.Text, fast.Text) || plain.Subject != fast.Subject {
				return errFastDiffers
			}
		}
	}
	return nil
}
