package templates

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"herald/digest"
	"herald/stories"
	"herald/subscribers"
)

// Limits on story text in an email, in runes. Story fields are untrusted
// and may be enormous; these keep a ten-story email well under 100 KB.
const (
	headlineRunes    = 300
	topicRunes       = 60
	outletRunes      = 80
	summaryRunes     = 1500            // a lead story's "What's happened"
	blurbRunes       = briefBlurbRunes // a brief story's "What's happened"
	tightBlurbRunes  = 140             // the same, in an email that would be too big
	bodyRunes        = 1000            // one analysis body
	sourceRunes      = 600             // one outlet's summary
	backgroundRunes  = 1200
	questionRunes    = 200
	answerRunes      = 400
	preheadHeadRunes = 60 // one headline in the preheader
	maxParts         = 6  // analysis parts and sources shown
	briefOutlets     = 4  // outlets named under a brief story
	maxTopics        = 10
)

// Date layouts, always in the reader's time zone.
const (
	dateLayout      = "Monday, 2 January 2006"
	publishedLayout = "Mon 2 Jan, 15:04 MST"
)

// View is what the templates see: a digest already cleaned, cut to size
// and formatted for one reader. Text fields are plain text; the templates
// escape them for their context.
type View struct {
	SiteName string
	SiteURL  string // the site, "" when unknown
	Reader   string // the reader's name or the Slack channel, "" when unknown
	Date     string // the digest's date in the reader's time zone
	TimeZone string // the zone Date is in, e.g. "Asia/Seoul"

	Subject SubjectView
	// Preheader is the inbox preview, shown as the first line of the
	// email: the next headlines ("Also: B · C · D, and 8 more"), or the
	// lead's summary when there is one story.
	Preheader string
	Schedule  string // the reader's schedule in words: "Daily at 07:00"
	Alert     bool   // an instant email alert: one story, no digest chrome
	Postal    string // the sender's postal address, "" when not configured

	Stories []StoryView
	Total   int    // stories matched, shown or not
	More    int    // stories left out; link to MoreURL
	MoreURL string // where the stories left out are: the web version, else the site
	// TopicInfo is "More on these topics": the followed topics the
	// stories matched, with their descriptions.
	TopicInfo []TopicView
	Topics    string // the topics this digest covers: "Japan, South Korea"
	Follows   string // why the reader gets it: "Japan, South Korea and 2 other topics"

	Links digest.Links

	// follow is, per story, the topics its Slack "Follow" buttons offer
	// (slack_follow.go); nil outside Slack or without the Slack app.
	follow [][]stories.Topic
}

// SubjectView feeds subject.txt.tmpl.
type SubjectView struct {
	Prefix   string // "Breaking: " for an alert, else ""
	Headline string // the top story's headline, cut so the subject fits 78 runes; "" for an empty digest
	Others   int    // how many more stories there are
}

// StoryView is one story. Lead stories (Full) carry every part of the page;
// brief ones carry the summary and the outlets only.
type StoryView struct {
	Rank      int // 1-based
	Full      bool
	Headline  string
	URL       string   // "" when the story's URL is not http(s)
	Image     string   // the story's picture, "" when none or not http(s)
	Topics    []string // names of the followed topics it matched
	Published string
	Summary   []string // "What's happened", in paragraphs
	Analysis  []AnalysisView
	Sources   []SourceView
	// Background is "How we got here", in paragraphs.
	Background []string
	Questions  []QuestionView
	// MoreQuestions counts the on-topic questions not shown; the story's
	// page has them.
	MoreQuestions int
	// Cut says some text was shortened; the templates offer "Read more".
	Cut bool

	// Rendered ahead by the fast way (fast.go): the story's parts and its
	// summary for a preheader.
	parts     [nParts]string
	preheader string
	prehead   string // the headline as the preheader names it
	ahead     bool
	slot      int           // index in View.Stories
	entries   *storyEntries // its byEntry parts (fastsmall.go)
}

// AnalysisView is one part of "What's behind the headline".
type AnalysisView struct {
	Heading string
	Body    []string
}

// SourceView is one outlet in "What the papers say". Summary is empty in a
// brief story.
type SourceView struct {
	Outlet  string
	URL     string
	Summary []string
	// Inline says Summary names the outlet: the templates print Before,
	// the linked outlet, After, so the outlet is named once.
	Inline        bool
	Before, After string
}

// QuestionView is one "Go deeper" question.
type QuestionView struct {
	Question string
	Answer   []string
}

// layout says how much of each story a view shows.
type layout struct {
	lead    int // stories shown in full
	blurb   int // runes of a brief story's summary
	outlets int // outlets named under a brief story
}

// newView builds the view of d in layout l.
func (s *Set) newView(d *digest.Digest, l layout) *View {
	v, _ := s.buildView(d, l, func(dst *StoryView, rank int, it digest.Item, full bool, l layout, loc *time.Location) error {
		*dst = newStoryView(rank, it, full, l, loc)
		return nil
	})
	return v
}

// storyViewFunc builds the view of one story into dst (in place, so that
// no copy of it escapes).
type storyViewFunc func(dst *StoryView, rank int, it digest.Item, full bool, l layout, loc *time.Location) error

// views holds the views RenderEmail is done with (recycleView), so that
// the next one reuses their story list.
var views = sync.Pool{New: func() any { return new(View) }}

// recycleView gives v, which nothing reads any more, back to views.
func recycleView(v *View) {
	if v != nil {
		clear(v.Stories) // let go of what the stories held
		views.Put(v)
	}
}

// buildView builds the view of d in layout l, its stories with story.
func (s *Set) buildView(d *digest.Digest, l layout, story storyViewFunc) (*View, error) {
	loc := location(d.Subscriber)
	v := views.Get().(*View)
	stories := v.Stories[:0]
	if cap(stories) < len(d.Items) {
		stories = make([]StoryView, 0, len(d.Items))
	}
	*v = View{
		Stories:  stories,
		SiteName: s.opts.SiteName,
		SiteURL:  firstNonEmpty(safeURL(d.Links.Site), safeURL(s.opts.SiteURL)),
		Reader:   reader(d.Subscriber),
		Date:     s.digestTime(d).In(loc).Format(dateLayout),
		TimeZone: loc.String(),
		Total:    d.Total(),
		More:     d.More,
		Links:    safeLinks(d.Links),
		Schedule: scheduleText(d.Subscriber),
		Alert:    isAlert(d.Subscriber),
		Postal:   s.opts.PostalAddress,
	}
	v.MoreURL = firstNonEmpty(v.Links.Web, v.SiteURL)
	if v.Links.Web != "" { // the page shows every story: the first left out comes next
		v.MoreURL = v.Links.Web + "#story-" + strconv.Itoa(len(d.Items)+1)
	}
	for i, it := range d.Items {
		v.Stories = v.Stories[:i+1]
		if err := story(&v.Stories[i], i+1, it, i < l.lead, l, loc); err != nil {
			return nil, err
		}
		v.Stories[i].slot = i
	}
	s.subjectView(v, d)
	v.TopicInfo = topicViews(d)
	names := topicNamesOf(v.TopicInfo)
	v.Topics = strings.Join(names, ", ")
	v.Follows = follows(names, d.Subscriber)
	return v, nil
}

// digestTime is the moment the digest stands for: the end of its window
// (when it goes out: a catch-up digest after downtime is dated the day it
// is sent, not the day it was due), else its slot, else now.
func (s *Set) digestTime(d *digest.Digest) time.Time {
	switch {
	case !d.Window.End.IsZero():
		return d.Window.End
	case !d.Slot.IsZero():
		return d.Slot
	}
	return s.opts.Now()
}

func newStoryView(rank int, it digest.Item, full bool, l layout, loc *time.Location) StoryView {
	v := storyBase(it.Story, full, l)
	v.personalize(rank, it, loc)
	return v
}

// personalize sets what differs from reader to reader: the story's rank,
// the followed topics it matched, its time in the reader's zone.
func (v *StoryView) personalize(rank int, it digest.Item, loc *time.Location) {
	v.Rank = rank
	v.Topics = topicNames(it.Matched)
	v.Published = published(it.Story.PublishedAt, loc)
}

// published is the time at as shown in loc, "" for none.
func published(at time.Time, loc *time.Location) string {
	if at.IsZero() {
		return ""
	}
	return at.In(loc).Format(publishedLayout)
}

// storyBase is the view of st that is the same for every reader.
func storyBase(st *stories.Story, full bool, l layout) StoryView {
	v := StoryView{
		Full:     full,
		Headline: line(st.Headline, headlineRunes),
		URL:      safeURL(st.URL),
		Image:    safeURL(st.Image),
	}
	if !full {
		v.Summary, v.Cut = paragraphs(st.Summary, l.blurb)
		v.Sources = outlets(mergeSources(st.Sources), l.outlets)
		return v
	}
	v.fill(st)
	return v
}

// fill sets every part of a lead story.
func (v *StoryView) fill(st *stories.Story) {
	cuts := make([]bool, 3)
	v.Summary, cuts[0] = paragraphs(st.Summary, summaryRunes)
	v.Background, cuts[1] = paragraphs(st.Background, backgroundRunes)
	v.Analysis, cuts[2] = analysis(st.Analysis)
	v.Sources = sources(mergeSources(st.Sources))
	v.Questions, v.MoreQuestions = questions(onTopic(st.Questions, st.Topics))
	for _, c := range cuts {
		v.Cut = v.Cut || c
	}
}

func analysis(parts []stories.Analysis) ([]AnalysisView, bool) {
	var out []AnalysisView
	for i, a := range parts {
		if i == maxParts {
			return out, true
		}
		body, _ := paragraphs(a.Body, bodyRunes)
		out = append(out, AnalysisView{Heading: line(a.Heading, questionRunes), Body: body})
	}
	return out, false
}

func sources(src []stories.Source) []SourceView {
	out := outlets(src, maxParts)
	for i := range out {
		out[i].Summary, _ = paragraphs(src[i].Summary, sourceRunes)
		out[i].Before, out[i].After, out[i].Inline = inlineOutlet(out[i].Outlet, strings.Join(out[i].Summary, " "))
	}
	return out
}

// outlets lists at most max outlets, linked, without their summaries.
func outlets(src []stories.Source, max int) []SourceView {
	var out []SourceView
	for i, s := range src {
		if i == max {
			break
		}
		out = append(out, SourceView{Outlet: line(s.Outlet, outletRunes), URL: safeURL(s.URL)})
	}
	return out
}

// questions shows the first shownQuestions of qs and counts the rest.
func questions(qs []stories.Question) ([]QuestionView, int) {
	var out []QuestionView
	for _, q := range qs[:min(len(qs), shownQuestions)] {
		answer, _ := paragraphs(q.Answer, answerRunes)
		out = append(out, QuestionView{Question: line(q.Question, questionRunes), Answer: answer})
	}
	return out, len(qs) - len(out)
}

func topicNames(ts []stories.Topic) []string {
	switch {
	case len(ts) == 0:
		return nil
	case len(ts) == 1:
		return topicLine(ts[0]) // most stories match one followed topic
	}
	out := make([]string, 0, min(len(ts), maxTopics))
	for i, t := range ts {
		if i == maxTopics {
			break
		}
		out = append(out, topicName(t))
	}
	return out
}

func topicName(t stories.Topic) string { return topicLine(t)[0] }

// topicLine is []string{topicName(t)}, shared: its capacity of one makes
// an append copy it.
func topicLine(t stories.Topic) []string {
	name := firstNonEmpty(t.Name, t.Slug)
	if v, ok := topicLines.Load(name); ok {
		return v.([]string)
	}
	out := []string{line(name, topicRunes)}
	if topicLinesN.Add(1) <= maxTopicLines {
		topicLines.Store(name, out)
	}
	return out
}

// topicLines remembers topicName's work for up to maxTopicLines names:
// topics are few and every digest names some.
var (
	topicLines    sync.Map // name -> []string{line(name, topicRunes)}
	topicLinesN   atomic.Int64
	maxTopicLines = int64(10_000)
)

// topicNamesOf are the names of topic views.
func topicNamesOf(tvs []TopicView) []string {
	names := make([]string, len(tvs))
	for i, tv := range tvs {
		names[i] = tv.Name
	}
	return names
}

// follows says which topics the reader follows: the ones in this digest by
// name, the rest counted.
func follows(names []string, sub *subscribers.Subscriber) string {
	others := len(followed(sub)) - len(names)
	list := strings.Join(names, ", ")
	switch {
	case others <= 0:
		return list
	case list == "" && others == 1:
		return "1 topic"
	case list == "":
		return strconv.Itoa(others) + " topics"
	case others == 1:
		return list + " and 1 other topic"
	}
	return list + " and " + strconv.Itoa(others) + " other topics"
}

func followed(sub *subscribers.Subscriber) []string {
	if sub == nil {
		return nil
	}
	return sub.Topics
}

// subjectView sets the subject's parts and the preheader from the
// stories: the lead headline, and the next ones by name.
func (s *Set) subjectView(v *View, d *digest.Digest) {
	if len(v.Stories) == 0 {
		return
	}
	top := v.Stories[0]
	if v.Alert {
		v.Subject.Prefix = s.opts.Breaking + ": "
	}
	v.Subject.Others = d.Total() - 1
	full := subjectLine(v.Subject.Prefix, top.Headline, v.Subject.Others)
	v.Subject.Headline = strings.TrimSuffix(strings.TrimPrefix(full, v.Subject.Prefix), otherSuffix(v.Subject.Others))
	heads := make([]string, 0, preheaderNamed+1)
	for _, sv := range v.Stories[:min(len(v.Stories), preheaderNamed+1)] {
		heads = append(heads, preheadOf(&sv))
	}
	summary := ""
	if len(heads) == 1 {
		summary = firstNonEmpty(top.preheader, d.Items[0].Story.Summary)
	}
	v.Preheader = preheaderLine(heads, d.Total(), summary)
}

// preheadOf is the headline of sv as the preheader names it: kept with the
// story by the fast way, cut here otherwise.
func preheadOf(sv *StoryView) string {
	if sv.ahead {
		return sv.prehead
	}
	return line(sv.Headline, preheadHeadRunes)
}

// otherSuffix is what subject.txt.tmpl adds after the headline.
func otherSuffix(others int) string {
	if others <= 0 {
		return ""
	}
	return " — and " + strconv.Itoa(others) + " more"
}

// location is the subscriber's time zone, UTC when unset or unknown.
// Zones are loaded once (time.LoadLocation reads the zone file each time).
func location(sub *subscribers.Subscriber) *time.Location {
	if sub == nil || sub.TimeZone == "" {
		return time.UTC
	}
	if loc, ok := zones.Load(sub.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(sub.TimeZone)
	if err != nil {
		return time.UTC
	}
	zones.Store(sub.TimeZone, loc)
	return loc
}

var zones sync.Map // zone name -> *time.Location

// reader is how the header names the recipient.
func reader(sub *subscribers.Subscriber) string {
	switch {
	case sub == nil:
		return ""
	case sub.Kind == subscribers.KindSlack && sub.SlackChannel != "":
		return line(sub.SlackChannel, topicRunes)
	}
	return line(sub.Name, topicRunes)
}

// safeLinks drops any personal link that is not http(s); Mailto must be a
// mailto: URL.
func safeLinks(l digest.Links) digest.Links {
	out := digest.Links{
		Site:        safeURL(l.Site),
		Unsubscribe: safeURL(l.Unsubscribe),
		Preferences: safeURL(l.Preferences),
		Web:         safeURL(l.Web),
	}
	if strings.HasPrefix(l.Mailto, "mailto:") && oneLine(l.Mailto) == l.Mailto {
		out.Mailto = l.Mailto
	}
	return out
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// Outlets lists the story's outlets: "The Japan Times, Bloomberg".
func (v StoryView) Outlets() string {
	names := make([]string, len(v.Sources))
	for i, s := range v.Sources {
		names[i] = s.Outlet
	}
	return strings.Join(names, ", ")
}
