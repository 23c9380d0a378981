package templates_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"herald/digest"
	"herald/stories"
	"herald/templates"
)

func TestGoldenSeedEmail(t *testing.T) {
	r, err := mustLoad(t, "").RenderEmail(seedDigest(t, reader()))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "seed.html", r.HTML)
	golden(t, "seed.txt", r.Text)
	golden(t, "seed.subject.txt", []byte(r.Subject+"\n"+r.Preheader+"\n"))
}

func TestGoldenSeedSlack(t *testing.T) {
	set := mustLoad(t, "")
	for name, sub := range map[string]string{"seed.slack.json": "daily at 08:00", "seed.alert.slack.json": "instant"} {
		t.Run(name, func(t *testing.T) {
			raw, err := set.RenderSlack(seedDigest(t, team(sub)))
			if err != nil {
				t.Fatal(err)
			}
			list := []byte("[")
			for i, p := range raw {
				if i > 0 {
					list = append(list, ',')
				}
				list = append(list, p...)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, append(list, ']'), "", "  "); err != nil {
				t.Fatal(err)
			}
			golden(t, name, append(pretty.Bytes(), '\n'))
		})
	}
}

// TestExamplesSeedStory renders the seed story as examples/stories.json
// holds it, when that file exists, so the example data and the templates
// agree.
func TestExamplesSeedStory(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "examples", "stories.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("no examples/stories.json")
	}
	if err != nil {
		t.Fatal(err)
	}
	st := findSeed(t, b)
	r, err := mustLoad(t, "").RenderEmail(newDigest(reader(), 0, digest.Item{Story: st, Matched: []stories.Topic{japan}}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Subject, "South Korea") || !strings.Contains(string(r.Text), "GO DEEPER") {
		t.Errorf("seed story from examples rendered subject %q and no Go deeper part", r.Subject)
	}
}

// findSeed picks the story with the Japan, South Korea and United States
// topics and five questions out of a list or a {"stories": [...]} object.
func findSeed(t *testing.T, b []byte) *stories.Story {
	t.Helper()
	var list []stories.Story
	if err := json.Unmarshal(b, &list); err != nil {
		var wrapped struct{ Stories []stories.Story }
		if err2 := json.Unmarshal(b, &wrapped); err2 != nil {
			t.Fatalf("examples/stories.json: %v", err)
		}
		list = wrapped.Stories
	}
	for i, st := range list {
		var slugs []string
		for _, tp := range st.Topics {
			slugs = append(slugs, tp.Slug)
		}
		if len(st.Questions) == 5 && slices.Contains(slugs, "japan") && slices.Contains(slugs, "south-korea") && slices.Contains(slugs, "united-states") {
			return &list[i]
		}
	}
	t.Fatal("examples/stories.json holds no seed story")
	return nil
}

// hostile is text that must never reach a reader as markup.
const (
	script  = `<script>alert(1)</script>`
	onerror = `"><img onerror=alert(1)>`
)

func hostileDigest() *digest.Digest {
	bad := stories.Topic{Slug: "bad", Name: "Topic " + script + onerror}
	st := &stories.Story{
		ID: "bad", URL: "https://news.example.com/bad", Headline: "Headline " + script + onerror,
		Summary:    "Summary " + script + onerror,
		Analysis:   []stories.Analysis{{Heading: "Heading " + script, Body: "Body " + onerror}},
		Sources:    []stories.Source{{Outlet: "Outlet " + script + onerror, URL: "javascript:alert(1)", Summary: "Says " + script}},
		Background: "Background " + script,
		Questions:  []stories.Question{{Question: "Question on bad " + onerror, Answer: "Answer " + script}},
		Topics:     []stories.Topic{bad},
	}
	sub := reader()
	sub.Name = "Name " + script
	return newDigest(sub, 0, digest.Item{Story: st, Matched: []stories.Topic{bad}})
}

func TestEmailEscapesStoryText(t *testing.T) {
	r, err := mustLoad(t, "").RenderEmail(hostileDigest())
	if err != nil {
		t.Fatal(err)
	}
	html := string(r.HTML)
	for _, raw := range []string{"<script", "<img", "javascript:"} {
		if strings.Contains(html, raw) {
			t.Errorf("HTML holds raw %q", raw)
		}
	}
	for _, field := range []string{"Headline", "Summary", "Heading", "Outlet", "Topic", "Background", "Answer", "Name"} {
		if want := field + " &lt;script&gt;alert(1)&lt;/script&gt;"; !strings.Contains(html, want) {
			t.Errorf("HTML lacks escaped %s: %q", field, want)
		}
	}
	if want := "&#34;&gt;&lt;img onerror=alert(1)&gt;"; strings.Count(html, want) < 4 {
		t.Errorf("HTML shows %q %d times, want at least 4 (headline, summary, outlet, topic)", want, strings.Count(html, want))
	}
	checkWellFormed(t, html)
	for _, field := range []string{"Headline", "Summary", "Heading", "Background", "Answer"} {
		if !strings.Contains(string(r.Text), field+" "+script) {
			t.Errorf("text part lacks the literal %s %q", field, script)
		}
	}
	if !strings.Contains(string(r.Text), "Body "+onerror) || !strings.Contains(r.Subject, script+onerror) {
		t.Errorf("text part or subject does not hold the story text as it is")
	}
}

func TestEmailSubject(t *testing.T) {
	long := strings.Repeat("Very long headline ", 30)
	tests := []struct {
		name     string
		headline string
		more     int
		extra    int // stories after the first
		want     string
	}{
		{name: "one story", headline: "Japan votes", want: "Japan votes"},
		{name: "count includes more", headline: "Japan votes", extra: 2, more: 2, want: "Japan votes — and 4 more"},
		{name: "one more", headline: "Japan votes", more: 1, want: "Japan votes — and 1 more"},
		{name: "CRLF and controls", headline: "Japan\r\nBcc: evil@example.com\x00\x1b[31m votes\t", want: "Japan Bcc: evil@example.com[31m votes"},
		{name: "no stories", want: "Herald: no new stories"},
	}
	set := mustLoad(t, "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var items []digest.Item
			if tt.headline != "" {
				items = append(items, digest.Item{Story: story("a", tt.headline, japan), Matched: []stories.Topic{japan}})
			}
			for i := range tt.extra {
				items = append(items, digest.Item{Story: story(fmt.Sprint("x", i), "Other", japan)})
			}
			r, err := set.RenderEmail(newDigest(reader(), tt.more, items...))
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject != tt.want {
				t.Errorf("subject = %q, want %q", r.Subject, tt.want)
			}
		})
	}
	t.Run("long headline is cut, count kept", func(t *testing.T) {
		r, err := set.RenderEmail(newDigest(reader(), 3, digest.Item{Story: story("a", long, japan)}))
		if err != nil {
			t.Fatal(err)
		}
		if n := utf8.RuneCountInString(r.Subject); n > 150 || !strings.HasSuffix(r.Subject, "… — and 3 more") {
			t.Errorf("subject (%d runes) = %q", n, r.Subject)
		}
	})
}

func TestEmailPreheader(t *testing.T) {
	r, err := mustLoad(t, "").RenderEmail(seedDigest(t, reader()))
	if err != nil {
		t.Fatal(err)
	}
	want := "Also: Japan's exports rise for a third month · Bank of Korea holds rates as won weakens, and 2 more"
	if r.Preheader != want {
		t.Errorf("preheader = %q, want %q", r.Preheader, want)
	}
	html := string(r.HTML)
	body := html[strings.Index(html, "<body"):]
	first := regexp.MustCompile(`>([^<>\s][^<>]*)<`).FindStringSubmatch(body)
	if first == nil || first[1] != strings.ReplaceAll(want, "'", "&#39;") {
		t.Errorf("the body's first text is %q, want the preheader, visible", first)
	}
	for _, trick := range []string{"display:none", "font-size:0", "font-size:1px", "opacity:0", "mso-hide"} {
		if strings.Contains(html, trick) {
			t.Errorf("HTML hides text with %q, which spam filters score", trick)
		}
	}
	one, err := mustLoad(t, "").RenderEmail(newDigest(reader(), 0, digest.Item{Story: seedStory(t), Matched: []stories.Topic{japan}}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(one.Preheader, "South Korea's presidential policy chief") || utf8.RuneCountInString(one.Preheader) > 110 {
		t.Errorf("one story: preheader = %q, want its summary", one.Preheader)
	}
}

func TestEmailSeedContent(t *testing.T) {
	r, err := mustLoad(t, "").RenderEmail(seedDigest(t, reader()))
	if err != nil {
		t.Fatal(err)
	}
	html, text := string(r.HTML), string(r.Text)
	for _, want := range []string{
		"For Ana Kim", "Sunday, 29 November 2026", // the slot in Seoul
		"Sat 28 Nov, 17:00 KST", // published, in Seoul
		`href="https://news.example.com/stories/south-korea-rejects-us-investment-terms" style="color:#0b57d0;">Read the full story: South Korea rejects`,
		`<a class="lnk" href="#story-1"`, `<a id="story-1"></a>`, "Daily at 08:00",
		"<b>Japan · South Korea</b>", "In this digest: 5 stories",
		"What&#39;s happened", "What&#39;s behind the headline", "Future Outlook",
		`<a class="lnk" href="https://www.japantimes.co.jp/" style="color:#0b57d0;">The Japan Times</a></strong>: Seoul has emphasized`,
		"<strong>South China Morning Post</strong>: Details",
		"How we got here", "Go deeper", "Why is South Korea rejecting Japan-US investment terms?", "More on these topics", "Japan is an island country",
		`And 2 more stories on Herald`, `href="https://herald.example.com/p/sub-ana?t=sig"`, `href="https://herald.example.com/u/sub-ana?t=sig"`,
		"You get this email because you follow Japan, South Korea on Herald (Daily at 08:00).",
		"Reported by Reuters", "Unsubscribe in one click", "Manage preferences",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, want := range []string{"WHAT THE PAPERS SAY", "- The Japan Times: Seoul has emphasized", "\n  https://www.japantimes.co.jp/\n", "\nhttps://herald.example.com/u/sub-ana?t=sig\n", "Reported by Reuters", "IN THIS DIGEST: 5 STORIES", "MORE ON THESE TOPICS", "GO DEEPER"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	checkWellFormed(t, html)
	checkLines(t, text)
}

// checkLines checks the text part's lines hold at most 78 runes, unless a
// line is one long word (a URL).
func checkLines(t *testing.T, text string) {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if utf8.RuneCountInString(l) > 78 && strings.Contains(strings.TrimSpace(l), " ") {
			t.Errorf("text line %d has %d runes: %q", i+1, utf8.RuneCountInString(l), l)
		}
	}
}

func TestEmailParagraphs(t *testing.T) {
	st := story("p", "Paragraphs", japan)
	st.Summary = "First paragraph.\r\n\r\nSecond <b>paragraph</b>.\nThird."
	r, err := mustLoad(t, "").RenderEmail(newDigest(reader(), 0, digest.Item{Story: st}))
	if err != nil {
		t.Fatal(err)
	}
	paras := regexp.MustCompile(`<p>([^<]*)</p>`).FindAllStringSubmatch(string(r.HTML), -1)
	var got []string
	for _, p := range paras {
		got = append(got, p[1])
	}
	want := []string{"First paragraph.", "Second &lt;b&gt;paragraph&lt;/b&gt;.", "Third."}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("HTML paragraphs %q lack %q", got, w)
		}
	}
	if !strings.Contains(string(r.Text), "First paragraph.\n\nSecond <b>paragraph</b>.\n\nThird.\n") {
		t.Errorf("text part does not keep the paragraphs:\n%s", r.Text)
	}
}

func TestEmailDarkModeSafe(t *testing.T) {
	r, err := mustLoad(t, "").RenderEmail(seedDigest(t, reader()))
	if err != nil {
		t.Fatal(err)
	}
	html := string(r.HTML)
	for _, want := range []string{`<meta name="color-scheme" content="light dark">`, `<meta name="supported-color-schemes" content="light dark">`,
		"color-scheme: light dark;", "@media (prefers-color-scheme: dark)", "max-width:600px", `<html lang="en" dir="ltr"`,
		`<!--[if mso]><table role="presentation" width="600"`, `<!--[if mso]></td></tr></table><![endif]-->`} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, m := range tagRE.FindAllStringSubmatch(regexp.MustCompile(`(?s)<!--.*?-->`).ReplaceAllString(html, ""), -1) {
		if m[1] == "/" {
			continue
		}
		switch strings.ToLower(m[2]) {
		case "td", "body":
			if !strings.Contains(m[3], ";color:#") && !strings.Contains(m[3], `"color:#`) || !strings.Contains(m[3], "background-color:#") {
				t.Errorf("<%s> does not set both color and background-color: %s", m[2], m[0])
			}
		case "a":
			if strings.Contains(m[3], "href=") && !strings.Contains(m[3], `"color:#`) {
				t.Errorf("<a> sets no color of its own: %s", m[0])
			}
		}
	}
}

func TestEmailTenLongStoriesUnder100KB(t *testing.T) {
	tests := []struct {
		name     string
		lead     int
		word     string // the filler every field repeats
		url      int    // extra characters in every source URL
		wantLead bool   // the lead story keeps its full parts
	}{
		{name: "long bodies", word: "word", wantLead: true},
		{name: "enormous fields, three leads", lead: 3, word: "it's\n<b>", url: 900, wantLead: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := templates.Load("", templates.Options{Now: fixedNow, LeadStories: tt.lead})
			if err != nil {
				t.Fatal(err)
			}
			r, err := set.RenderEmail(newDigest(reader(), 5, longItems(tt.word, tt.url)...))
			if err != nil {
				t.Fatal(err)
			}
			html := string(r.HTML)
			t.Logf("HTML %d bytes, text %d bytes", len(html), len(r.Text))
			if n := len(html); n >= 100*1024 {
				t.Errorf("HTML is %d bytes, want < 100 KB", n)
			}
			for i := range 10 {
				if !strings.Contains(html, fmt.Sprintf("Story %02d", i)) {
					t.Errorf("HTML lacks story %d", i)
				}
			}
			if got := strings.Contains(html, "What&#39;s behind the headline"); got != tt.wantLead {
				t.Errorf("lead story in full: %v, want %v", got, tt.wantLead)
			}
			if !strings.Contains(html, ">Read: Story 05") {
				t.Errorf("cut stories offer no link naming the story")
			}
			checkWellFormed(t, html)
			checkLines(t, string(r.Text))
		})
	}
}

// longItems is ten stories whose every field repeats word thousands of
// times, with a dozen of each part.
func longItems(word string, urlPad int) []digest.Item {
	long := func(n int) string { return strings.Repeat(word+" ", n) }
	var items []digest.Item
	for i := range 10 {
		st := story(fmt.Sprint("long-", i), fmt.Sprintf("Story %02d %s", i, long(100)), japan)
		st.Summary, st.Background = long(5000), long(5000)
		for j := range 12 {
			url := fmt.Sprintf("https://outlet.example/%d/%s", j, strings.Repeat("x", urlPad))
			st.Analysis = append(st.Analysis, stories.Analysis{Heading: long(50), Body: long(3000)})
			st.Sources = append(st.Sources, stories.Source{Outlet: long(30), URL: url, Summary: long(2000)})
			st.Questions = append(st.Questions, stories.Question{Question: long(100), Answer: long(2000)})
		}
		items = append(items, digest.Item{Story: st, Matched: []stories.Topic{japan, southKorea}})
	}
	return items
}

func TestRenderNilDigest(t *testing.T) {
	set := mustLoad(t, "")
	if _, err := set.RenderEmail(nil); !errors.Is(err, templates.ErrNilDigest) {
		t.Errorf("RenderEmail(nil) = %v, want ErrNilDigest", err)
	}
	if _, err := set.RenderSlack(nil); !errors.Is(err, templates.ErrNilDigest) {
		t.Errorf("RenderSlack(nil) = %v, want ErrNilDigest", err)
	}
}

func TestEmailEmptyDigest(t *testing.T) {
	r, err := mustLoad(t, "").RenderEmail(newDigest(reader(), 0))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(r.HTML), "No new stories on your topics this time.") || !strings.Contains(string(r.Text), "No new stories") {
		t.Errorf("empty digest does not say so")
	}
	checkWellFormed(t, string(r.HTML))
}

func TestEmailUnknownTimeZoneIsUTC(t *testing.T) {
	sub := reader()
	sub.TimeZone = "Mars/Olympus_Mons"
	r, err := mustLoad(t, "").RenderEmail(newDigest(sub, 0, digest.Item{Story: story("a", "A", japan)}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(r.Text), "Saturday, 28 November 2026") || !strings.Contains(string(r.Text), "06:30 UTC") {
		t.Errorf("unknown zone not shown in UTC:\n%s", r.Text)
	}
}
