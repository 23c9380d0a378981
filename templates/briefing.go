package templates

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"herald/digest"
	"herald/stories"
	"herald/subscribers"
)

// The briefing's rules, beyond the limits in view.go.
const (
	subjectMax      = 78  // runes in a subject, "and N more" included
	preheaderNamed  = 3   // headlines the preheader names
	shownQuestions  = 2   // go-deeper questions shown with their answers
	briefBlurbRunes = 220 // a compact story's summary: about two lines
	topicDescRunes  = 240 // a topic's description in "More on these topics"
	defaultBreaking = "Breaking"
)

// TopicView is one followed topic in "More on these topics".
type TopicView struct {
	Name        string
	Description string
	Unfollow    string // a signed link that stops following the topic, "" when none
}

// subjectLine is the subject of a digest: the lead headline, cut on a word
// boundary so that the whole line with " — and N more" holds at most
// subjectMax runes.
func subjectLine(prefix, headline string, others int) string {
	suffix := ""
	if others > 0 {
		suffix = " — and " + strconv.Itoa(others) + " more"
	}
	room := subjectMax - utf8.RuneCountInString(prefix+suffix)
	h, _ := cut(headline, max(room, 1))
	return prefix + h + suffix
}

// preheaderLine names the headlines after the lead, and counts the rest so
// that the count agrees with the subject's: "Also: B · C · D, and 8 more".
// With one story it is the lead's summary.
func preheaderLine(heads []string, total int, summary string) string {
	if len(heads) <= 1 {
		return line(summary, preheaderRunes)
	}
	named := heads[1:min(len(heads), preheaderNamed+1)]
	out := "Also: " + strings.Join(named, " · ")
	if rest := total - 1 - len(named); rest > 0 {
		out += ", and " + strconv.Itoa(rest) + " more"
	}
	return out
}

// onTopic keeps the questions that name one of the story's topics (name or
// slug words, whole words, any case) in their question: an explainer on
// another subject is not this story's "Go deeper".
func onTopic(qs []stories.Question, topics []stories.Topic) []stories.Question {
	var out []stories.Question
	for _, q := range qs {
		for _, t := range topics {
			if namesTopic(q.Question, t) {
				out = append(out, q)
				break
			}
		}
	}
	return out
}

func namesTopic(text string, t stories.Topic) bool {
	for _, name := range []string{t.Name, strings.ReplaceAll(t.Slug, "-", " ")} {
		if name != "" && containsWord(text, name) {
			return true
		}
	}
	return false
}

// containsWord reports whether text holds word (any case) with no letter
// or digit right before or after it.
func containsWord(text, word string) bool {
	lt, lw := strings.ToLower(text), strings.ToLower(word)
	for from := 0; ; {
		i := strings.Index(lt[from:], lw)
		if i < 0 {
			return false
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(lt[:i])
		after, _ := utf8.DecodeRuneInString(lt[i+len(lw):])
		if !isWordRune(before) && !isWordRune(after) {
			return true
		}
		from = i + len(lw)
	}
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// mergeSources names each outlet once: a second entry of the same outlet
// (any case) adds its summary to the first.
func mergeSources(src []stories.Source) []stories.Source {
	var out []stories.Source
	seen := map[string]int{}
	for _, s := range src {
		key := strings.ToLower(oneLine(s.Outlet))
		if i, ok := seen[key]; ok {
			out[i].Summary = strings.TrimSpace(out[i].Summary + " " + s.Summary)
			if out[i].URL == "" {
				out[i].URL = s.URL
			}
			continue
		}
		seen[key] = len(out)
		out = append(out, s)
	}
	return out
}

// inlineOutlet splits an outlet's summary around its first mention of the
// outlet ("Bloomberg echoes this…"), so the outlet is named once, linked
// where it stands. ok is false when the summary does not name it.
func inlineOutlet(outlet, summary string) (before, after string, ok bool) {
	i := strings.Index(strings.ToLower(summary), strings.ToLower(outlet))
	if outlet == "" || i < 0 {
		return "", "", false
	}
	return summary[:i], summary[i+len(outlet):], true
}

// topicViews are the followed topics the digest's stories matched, with the
// descriptions the stories carry: those the reader follows in the order
// followed, then any other in the order the stories name them. A digest
// matches a few topics, so they are found by a look along a short list.
func topicViews(d *digest.Digest) []TopicView {
	var slugs []string
	var views []TopicView
	for _, it := range d.Items {
		for _, t := range it.Matched {
			i := slices.Index(slugs, t.Slug)
			if i < 0 {
				i = len(slugs)
				slugs = append(slugs, t.Slug)
				views = append(views, TopicView{Name: topicName(t)})
			}
			if views[i].Description == "" {
				views[i].Description = topicDesc(firstNonEmpty(t.Description, storyTopicDesc(it.Story, t.Slug)))
			}
		}
	}
	out := make([]TopicView, 0, len(slugs))
	take := func(i int) {
		tv := views[i]
		tv.Unfollow = safeURL(d.Links.Unfollow[slugs[i]])
		out = append(out, tv)
		slugs[i] = "" // taken
	}
	for _, slug := range followed(d.Subscriber) {
		if i := slices.Index(slugs, slug); i >= 0 && slug != "" {
			take(i)
		}
	}
	for i, slug := range slugs {
		if slug != "" {
			take(i)
		}
	}
	return out
}

// topicDesc is a topic's description on one line, cut to topicDescRunes;
// topics are few and every digest describes some, so the work is kept
// (like topicName's) for up to maxTopicLines descriptions.
func topicDesc(desc string) string {
	if v, ok := topicDescs.Load(desc); ok {
		return v.(string)
	}
	out := line(desc, topicDescRunes)
	if topicDescsN.Add(1) <= maxTopicLines {
		topicDescs.Store(desc, out)
	}
	return out
}

var (
	topicDescs  sync.Map // description -> line(description, topicDescRunes)
	topicDescsN atomic.Int64
)

func storyTopicDesc(st *stories.Story, slug string) string {
	for _, t := range st.Topics {
		if t.Slug == slug {
			return t.Description
		}
	}
	return ""
}

// scheduleText says in words when the reader's digest comes: "Daily at
// 07:00", "Weekly on Monday at 08:30", "As stories land".
func scheduleText(sub *subscribers.Subscriber) string {
	if sub == nil || sub.Schedule == "" {
		return ""
	}
	var f []string
	for _, w := range strings.Fields(strings.ToLower(sub.Schedule)) {
		if w != "at" && w != "on" {
			f = append(f, w)
		}
	}
	switch {
	case f[0] == "instant":
		return "As stories land"
	case f[0] == "daily" && len(f) == 2:
		return "Daily at " + f[1]
	case f[0] == "weekly" && len(f) == 3:
		return "Weekly on " + weekday(f[1]) + " at " + f[2]
	}
	return "On the schedule " + line(sub.Schedule, topicRunes)
}

func weekday(short string) string {
	for _, d := range []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"} {
		if strings.EqualFold(d[:3], short) || strings.EqualFold(d, short) {
			return d
		}
	}
	return short
}

// isAlert reports an instant email reader: the message is an alert, not a
// digest.
func isAlert(sub *subscribers.Subscriber) bool {
	return sub != nil && sub.Kind == subscribers.KindEmail && sub.Schedule == "instant"
}
