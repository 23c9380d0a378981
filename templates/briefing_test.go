package templates_test

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"herald/digest"
	"herald/examples"
	"herald/stories"
	"herald/templates"
)

// richestDigest is the demo's richest digest: the example stories on the
// topics the busiest example reader follows, 12 shown of 14, with a web
// version link.
func richestDigest(t *testing.T) *digest.Digest {
	t.Helper()
	all, err := stories.Parse(bytes.NewReader(examples.Stories()))
	if err != nil {
		t.Fatal(err)
	}
	sub := reader()
	sub.Topics = []string{"japan", "markets", "technology", "china", "south-korea", "united-states"}
	sub.MaxStories = 12
	var items []digest.Item
	for _, st := range all {
		st.Normalize()
		var matched []stories.Topic
		for _, tp := range st.Topics {
			for _, f := range sub.Topics {
				if tp.Slug == f {
					matched = append(matched, tp)
				}
			}
		}
		if len(matched) > 0 && len(items) < 12 {
			items = append(items, digest.Item{Story: st, Matched: matched})
		}
	}
	if len(items) != 12 {
		t.Fatalf("the examples give %d stories on the reader's topics, want 12", len(items))
	}
	d := newDigest(sub, 2, items...)
	d.Links.Web = "https://herald.example.com/m/tok"
	return d
}

// briefingChecks are the rules every rendered digest keeps; each returns
// the problems it finds.
var briefingChecks = map[string]func(d *digest.Digest, subject, html string) []string{
	"contents entry without story": contentsWithoutStory,
	"and N more disagrees":         moreDisagrees,
	"same link text, two targets":  sameTextTwoTargets,
	"outlet named twice":           outletTwice,
	"off-topic go-deeper question": offTopicQuestion,
	"subject over 78 characters": func(_ *digest.Digest, subject, _ string) []string {
		if n := utf8.RuneCountInString(subject); n > 78 {
			return []string{fmt.Sprintf("subject has %d runes: %q", n, subject)}
		}
		return nil
	},
	"HTML over 102 KB": func(_ *digest.Digest, _, html string) []string {
		if len(html) > 102*1024 {
			return []string{fmt.Sprintf("HTML is %d bytes", len(html))}
		}
		return nil
	},
}

func TestBriefingRules(t *testing.T) {
	set := mustLoad(t, "")
	digests := map[string]*digest.Digest{"richest": richestDigest(t), "seed": seedDigest(t, reader())}
	long := newDigest(reader(), 30, append(longItems("word", 0), longItems("it's\n<b>", 900)[:2]...)...)
	digests["twelve enormous stories"] = long
	for name, d := range digests {
		r, err := set.RenderEmail(d)
		if err != nil {
			t.Fatal(err)
		}
		for rule, check := range briefingChecks {
			if name == "twelve enormous stories" && !strings.HasPrefix(rule, "HTML") && !strings.HasPrefix(rule, "subject") {
				continue // every field is the same filler: only size and subject tell
			}
			for _, p := range check(d, r.Subject, string(r.HTML)) {
				t.Errorf("%s: %s: %s", name, rule, p)
			}
		}
	}
}

// TestBriefingChecksCatch feeds each check an HTML that breaks its rule, so
// that a check that can never fail shows.
func TestBriefingChecksCatch(t *testing.T) {
	d := seedDigest(t, reader())
	r, err := mustLoad(t, "").RenderEmail(d)
	if err != nil {
		t.Fatal(err)
	}
	h := string(r.HTML)
	broken := map[string][2]string{ // rule -> subject, HTML
		"contents entry without story": {r.Subject, strings.Replace(h, `id="story-2"`, `id="story-x"`, 1)},
		"and N more disagrees":         {strings.Replace(r.Subject, "and 4 more", "and 5 more", 1), h},
		"same link text, two targets":  {r.Subject, strings.Replace(h, `href="https://www.bloomberg.com/"`, `href="https://www.japantimes.co.jp/"`, 1) + `<a href="https://elsewhere.example/">The Japan Times</a>`},
		"outlet named twice":           {r.Subject, strings.Replace(h, "Echoes this", "Bloomberg echoes this", 1)},
		"off-topic go-deeper question": {r.Subject, strings.Replace(h, "</h3>", "</h3><p><b>What’s the Latest on the Gaza War and Regional Tensions?</b></p>", 1)},
		"subject over 78 characters":   {r.Subject + strings.Repeat(" more", 10), h},
		"HTML over 102 KB":             {r.Subject, h + strings.Repeat("x", 102*1024)},
	}
	for rule, in := range broken {
		if got := briefingChecks[rule](d, in[0], in[1]); len(got) == 0 {
			t.Errorf("%s: the check passes an email that breaks it", rule)
		}
	}
}

var (
	contentsRE = regexp.MustCompile(`href="[^"]*#story-(\d+)"`)
	moreRE     = regexp.MustCompile(`And (\d+) more stor`)
	subjMoreRE = regexp.MustCompile(`— and (\d+) more$`)
	linkRE     = regexp.MustCompile(`(?s)<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>`)
	tagsRE     = regexp.MustCompile(`<[^>]+>`)
)

// contentsWithoutStory checks each entry of "In this digest" (links to
// #story-N, in the message or its web version) has its story in the
// message. The "and N more" link points past the stories shown, into the
// web version, and is not an entry.
func contentsWithoutStory(d *digest.Digest, _, h string) []string {
	var out []string
	for _, n := range contentsEntries(d, h) {
		if !strings.Contains(h, `id="story-`+strconv.Itoa(n)+`"`) {
			out = append(out, fmt.Sprintf("contents links to story %d, which the message lacks", n))
		}
	}
	return out
}

// contentsEntries are the story numbers "In this digest" links to.
func contentsEntries(d *digest.Digest, h string) []int {
	var out []int
	for _, m := range contentsRE.FindAllStringSubmatch(h, -1) {
		n, _ := strconv.Atoi(m[1])
		if n <= len(d.Items) || d.Links.Web == "" {
			out = append(out, n)
		}
	}
	return out
}

// moreDisagrees checks the subject's "and N more" is the stories listed
// after the lead plus the body's "And M more stories".
func moreDisagrees(d *digest.Digest, subject, h string) []string {
	listed := map[int]bool{}
	for _, n := range contentsEntries(d, h) {
		listed[n] = true
	}
	body := 0
	if m := moreRE.FindStringSubmatch(h); m != nil {
		body, _ = strconv.Atoi(m[1])
	}
	sm := subjMoreRE.FindStringSubmatch(subject)
	if sm == nil {
		if len(listed)+body > 1 {
			return []string{"subject has no count but the body lists more stories"}
		}
		return nil
	}
	n, _ := strconv.Atoi(sm[1])
	if n != len(listed)-1+body {
		return []string{fmt.Sprintf("subject says and %d more; the body lists %d and says %d more", n, len(listed)-1, body)}
	}
	return nil
}

func sameTextTwoTargets(_ *digest.Digest, _, h string) []string {
	seen := map[string]string{}
	var out []string
	for _, m := range linkRE.FindAllStringSubmatch(h, -1) {
		text := strings.TrimSpace(html.UnescapeString(tagsRE.ReplaceAllString(m[2], "")))
		if prev, ok := seen[text]; ok && prev != m[1] {
			out = append(out, fmt.Sprintf("%q links to %s and to %s", text, prev, m[1]))
		}
		seen[text] = m[1]
	}
	return out
}

// storySections cuts the HTML into its stories, by their anchors.
func storySections(h string) []string {
	parts := strings.Split(h, `id="story-`)
	if len(parts) < 2 {
		return nil
	}
	last := parts[len(parts)-1]
	if i := strings.Index(last, "More on these topics"); i >= 0 {
		parts[len(parts)-1] = last[:i]
	}
	return parts[1:]
}

func outletTwice(d *digest.Digest, _, h string) []string {
	var out []string
	for i, sec := range storySections(h) {
		if i >= len(d.Items) {
			break
		}
		text := html.UnescapeString(tagsRE.ReplaceAllString(sec, " "))
		for _, src := range d.Items[i].Story.Sources {
			if n := strings.Count(strings.ToLower(text), strings.ToLower(src.Outlet)); n > 1 && len(src.Outlet) > 3 {
				out = append(out, fmt.Sprintf("story %d names %q %d times", i+1, src.Outlet, n))
			}
		}
	}
	return out
}

func offTopicQuestion(d *digest.Digest, _, h string) []string {
	text := html.UnescapeString(h)
	var out []string
	for _, it := range d.Items {
		for _, q := range it.Story.Questions {
			if strings.Contains(text, q.Question) && !namesAny(q.Question, it.Story.Topics) {
				out = append(out, fmt.Sprintf("off-topic question shown: %q", q.Question))
			}
		}
	}
	return out
}

func namesAny(s string, topics []stories.Topic) bool {
	for _, tp := range topics {
		if strings.Contains(strings.ToLower(s), strings.ToLower(tp.Name)) {
			return true
		}
	}
	return false
}

func TestSubjectCutOnAWord(t *testing.T) {
	long := "Japan and South Korea agree on a framework for regular leaders' visits after years of strained ties"
	r, err := mustLoad(t, "").RenderEmail(newDigest(reader(), 3, digest.Item{Story: story("a", long, japan)}))
	if err != nil {
		t.Fatal(err)
	}
	head, _, ok := strings.Cut(r.Subject, "… — and 3 more")
	if !ok || utf8.RuneCountInString(r.Subject) > 78 || !strings.HasPrefix(long, head) || long[len(head)] != ' ' {
		t.Errorf("subject %q: want the headline cut at a word, then … — and 3 more, within 78", r.Subject)
	}
}

func TestInstantAlertEmail(t *testing.T) {
	sub := reader()
	sub.Schedule = "instant"
	r, err := mustLoad(t, "").RenderEmail(newDigest(sub, 0, digest.Item{Story: seedStory(t), Matched: []stories.Topic{japan}}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Subject, "Breaking: South Korea rejects") {
		t.Errorf("alert subject = %q, want Breaking: and the headline", r.Subject)
	}
	for _, chrome := range []string{"In this digest", "More on these topics", "IN THIS DIGEST"} {
		if strings.Contains(string(r.HTML), chrome) || strings.Contains(string(r.Text), chrome) {
			t.Errorf("alert carries the digest's %q", chrome)
		}
	}
	if !strings.Contains(string(r.HTML), "Unsubscribe in one click") {
		t.Errorf("alert lacks the footer")
	}
}

func TestFooterPostalAddress(t *testing.T) {
	set, err := templates.Load("", templates.Options{Now: fixedNow, PostalAddress: "1 Press Street,\r\nSpringfield 12345"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := set.RenderEmail(seedDigest(t, reader()))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Herald · 1 Press Street, Springfield 12345"; !strings.Contains(string(r.HTML), want) || !strings.Contains(string(r.Text), want) {
		t.Errorf("footer lacks the postal address %q", want)
	}
	plain, _ := mustLoad(t, "").RenderEmail(seedDigest(t, reader()))
	if strings.Contains(string(plain.HTML), "Press Street") {
		t.Errorf("postal address shown when none is configured")
	}
}
