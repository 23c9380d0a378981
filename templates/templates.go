// Package templates renders digests: an HTML and a plain-text email with
// its subject and preheader, and Slack Block Kit payloads.
//
// The email templates are embedded (default/): digest.html.tmpl
// (html/template), digest.txt.tmpl and subject.txt.tmpl (text/template),
// and partials named _*.html.tmpl or _*.txt.tmpl that the entry templates
// call. A file of the same name in the override directory replaces the
// default one; an override directory may also add partials. Load parses
// every template and executes each against a sample digest, so a broken
// template, default or override, fails start-up with its file and line
// rather than a send mid-run.
//
// Templates see a View, not the digest: story text already cleaned of
// control characters, split into paragraphs, cut to size, dates formatted
// in the reader's time zone, and only http(s) links. Story text is always
// escaped for its context: html/template escapes it in HTML (the templates
// never turn story text into template.HTML), text/template leaves it as it
// is in the text part, and EscapeMrkdwn escapes it for Slack.
//
// The email is a briefing (see briefing.go): a visible preheader naming
// the next headlines, a header, "In this digest" (every headline and its
// topics, linked to the story in the message), the lead story in full
// (Options.LeadStories; go deeper limited to questions on the story's
// topics, two shown; each outlet named once), the others compact
// (headline, about two lines, outlets, a link naming the story), "More on
// these topics", "and N more" (into the web version, Links.Web), and a
// footer (why, view in browser, preferences, one-click unsubscribe, the
// postal address). The subject holds at most 78 characters, cut on a
// word; an instant email reader (schedule "instant") gets an alert: one
// story, no contents or topics, the subject prefixed with
// Options.Breaking. Every part is cut to a fixed length (see the limits in
// view.go). Gmail clips an HTML part over about 102 KB: should the HTML
// exceed 95,000 bytes, the email is rendered again with no lead story, and
// if need be once more with shorter summaries and no outlets.
//
// A story's parts that are the same for every reader ("story-title" and
// "story-body" in the default partials, and its contents entry) are
// rendered once and kept in bounded caches; each email then runs only what
// differs from reader to reader (see fast.go). Load checks this gives the
// very bytes the templates give, and renders plainly otherwise (for
// instance with an override that has no "story-body").
//
// Slack messages are built in Go with slack-go's Block Kit types rather
// than templates. A digest of at most three stories that fits Slack's
// limits (50 blocks, 3,000 characters a section, a budget of 12,000
// characters) is one message: a header, each story as a section (linked
// headline, blurb, the story's image as an accessory) and a context block
// (outlets, topics, time), and a footer. A longer one is a parent message
// (the header, the top ten headlines linked, the footer) and replies in its
// thread holding the stories, marked "herald_reply" for the Slack channel.
// The fallback text names the lead headline. Story text is escaped with
// EscapeMrkdwn and sent in verbatim mrkdwn objects, so it can neither
// mention, link nor be auto-linked. An instant Slack subscriber gets one
// alert payload per story, with a one-line footer.
package templates

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"herald/digest"
)

// preheaderRunes bounds a preheader made of a summary.
const preheaderRunes = 110

// htmlBudget is the HTML size above which the email drops its lead story.
const htmlBudget = 95_000

// DefaultLeadStories is how many stories an email shows in full when
// Options.LeadStories is zero.
const DefaultLeadStories = 1

// ErrNilDigest is returned when asked to render a nil digest.
var ErrNilDigest = errors.New("templates: nil digest")

var _ digest.Renderer = (*Set)(nil)

// Options configure a Set.
type Options struct {
	SiteName string           // shown in headers and footers; "Herald" when empty
	SiteURL  string           // the site, when a digest carries no Links.Site
	Now      func() time.Time // the clock, for a digest with no slot or window; time.Now when nil
	// LeadStories is how many of the top stories an email shows in full:
	// zero means DefaultLeadStories, a negative number none.
	LeadStories int
	// PostalAddress is the sender's postal address, shown in every email's
	// footer (CAN-SPAM asks for one); "" shows none.
	PostalAddress string
	// Breaking is the word an instant alert's subject starts with
	// ("Breaking: …"); "Breaking" when empty.
	Breaking string
	// SlackFollow puts "Follow" buttons under each story of a Slack
	// message to a channel, for the story's topics the channel does not
	// follow yet (SlackFollowAction). Only for a Slack app that answers
	// them (HERALD_SLACK_SIGNING_SECRET); plain webhook teams never get them.
	SlackFollow bool
}

func (o Options) withDefaults() Options {
	if o.SiteName == "" {
		o.SiteName = "Herald"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Breaking = oneLine(o.Breaking); o.Breaking == "" {
		o.Breaking = defaultBreaking
	}
	o.PostalAddress = oneLine(o.PostalAddress)
	switch {
	case o.LeadStories == 0:
		o.LeadStories = DefaultLeadStories
	case o.LeadStories < 0:
		o.LeadStories = 0
	}
	return o
}

// executor is what html/template and text/template have in common.
type executor interface {
	ExecuteTemplate(w io.Writer, name string, data any) error
}

// entry is a parsed template set and the name of the template to run.
type entry struct {
	set  executor
	name string // the entry file's display path
	// size is the largest output so far (nil: not tracked), so that the
	// next output's buffer is allocated once rather than grown.
	size *atomic.Int64
	prog *program // the entry compiled (compile.go); nil: set runs it
	// bufs holds output buffers given back by Recycle (*[]byte); nil: none.
	bufs *sync.Pool
}

func (e entry) execute(data any) ([]byte, error) {
	if e.prog != nil {
		return e.run(data), nil
	}
	var b bytes.Buffer
	if err := e.executeTo(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// executeTo runs the template into b.
func (e entry) executeTo(b *bytes.Buffer, data any) error {
	if e.size != nil {
		b.Grow(int(e.size.Load()))
	}
	if err := e.set.ExecuteTemplate(b, e.name, data); err != nil {
		return fmt.Errorf("templates: execute %s: %w", e.name, err)
	}
	if e.size != nil && int64(b.Len()) > e.size.Load() {
		e.size.Store(int64(b.Len()))
	}
	return nil
}

// run is what the compiled entry prints, in a buffer of the largest size
// so far.
func (e entry) run(data any) []byte {
	var size int64
	if e.size != nil {
		size = e.size.Load()
	}
	out := e.prog.execute(e.buffer(int(size)), data)
	if e.size != nil && int64(len(out)) > size {
		e.size.Store(int64(len(out)))
	}
	return out
}

// buffer is an empty buffer of at least size bytes, from bufs when one
// there is big enough.
func (e entry) buffer(size int) []byte {
	if e.bufs != nil {
		if b, ok := e.bufs.Get().(*[]byte); ok && cap(*b) >= size {
			return (*b)[:0]
		}
	}
	return make([]byte, 0, size)
}

// recycle gives b back to bufs.
func (e entry) recycle(b []byte) {
	if e.bufs != nil && cap(b) > 0 {
		e.bufs.Put(&b)
	}
}

// Recycle takes back the buffers of an email RenderEmail gave, once
// nothing reads them any more (see digest.Recycler): r must not be used
// after.
func (s *Set) Recycle(r *digest.Rendered) {
	if s.frags == nil || r == nil {
		return
	}
	s.frags.html.recycle(r.HTML)
	s.frags.text.recycle(r.Text)
	r.HTML, r.Text = nil, nil
}

// render is what the entry prints, as a string: the output of a part,
// which is kept, so it is made in a pooled buffer and copied once.
func (e entry) render(data any) (string, error) {
	b := frames.Get().(*bytes.Buffer)
	defer frames.Put(b)
	b.Reset()
	if e.prog != nil {
		b.Write(e.prog.execute(b.AvailableBuffer(), data))
	} else if err := e.executeTo(b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// frames holds the buffers the fast way runs the entry templates into;
// what they hold is copied out by fragments.expand, so they are reused.
var frames = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// executeExpand runs the fast entry e and returns its output with the
// story parts in place (text: the text email's parts).
func (f *fragments) executeExpand(e entry, v *View, text bool) ([]byte, error) {
	if e.prog != nil {
		return e.run(v), nil // the parts printed in place (fastcompile.go)
	}
	b := frames.Get().(*bytes.Buffer)
	defer frames.Put(b)
	b.Reset()
	if err := e.executeTo(b, v); err != nil {
		return nil, err
	}
	return f.expand(b.Bytes(), v, text), nil
}

// Set is the parsed templates. It is safe for concurrent use.
type Set struct {
	opts    Options
	html    entry
	text    entry
	subject entry
	frags   *fragments // nil: render every story with the templates (see fast.go)
}

// RenderEmail renders d as an email: subject, preheader, text and HTML.
func (s *Set) RenderEmail(d *digest.Digest) (*digest.Rendered, error) {
	if d == nil {
		return nil, ErrNilDigest
	}
	var v *View
	var html []byte
	for _, l := range s.emailLayouts() {
		recycleView(v) // the layout before, too big
		var err error
		if v, html, err = s.renderHTML(d, l, s.frags); err != nil {
			return nil, err
		}
		if len(html) <= htmlBudget {
			break
		}
	}
	defer recycleView(v) // the email holds none of it
	return s.finish(v, html, s.frags)
}

// renderLayout renders d in layout l, with story fragments f (nil: none).
func (s *Set) renderLayout(d *digest.Digest, l layout, f *fragments) (*digest.Rendered, error) {
	v, html, err := s.renderHTML(d, l, f)
	if err != nil {
		return nil, err
	}
	return s.finish(v, html, f)
}

// renderHTML builds d's view in layout l and renders its HTML.
func (s *Set) renderHTML(d *digest.Digest, l layout, f *fragments) (*View, []byte, error) {
	if f == nil {
		v := s.newView(d, l)
		html, err := s.html.execute(v)
		return v, html, err
	}
	v, err := s.buildView(d, l, f.storyView)
	if err != nil {
		return nil, nil, err
	}
	html, err := f.executeExpand(f.html, v, false)
	return v, html, err
}

// emailLayouts are tried in turn until the HTML fits htmlBudget: the lead
// stories in full, then none, then shorter summaries and no outlets. The
// last is used whatever its size.
func (s *Set) emailLayouts() []layout {
	return []layout{
		{lead: s.opts.LeadStories, blurb: blurbRunes, outlets: briefOutlets},
		{lead: 0, blurb: blurbRunes, outlets: briefOutlets},
		{lead: 0, blurb: tightBlurbRunes, outlets: 0},
	}
}

// finish adds the subject and the text part to the HTML.
func (s *Set) finish(v *View, html []byte, f *fragments) (*digest.Rendered, error) {
	subj := s.subject
	if f != nil && f.subject.prog != nil {
		subj = f.subject
	}
	subject, err := subj.execute(v)
	if err != nil {
		return nil, err
	}
	var text []byte
	if f != nil {
		text, err = f.executeExpand(f.text, v, true)
	} else {
		text, err = s.text.execute(v)
	}
	if err != nil {
		return nil, err
	}
	return &digest.Rendered{
		Subject:   firstNonEmpty(line(string(subject), subjectMax), v.SiteName),
		Preheader: v.Preheader,
		Text:      tidyText(text),
		HTML:      html,
	}, nil
}
