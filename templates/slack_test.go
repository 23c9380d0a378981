package templates_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"herald/digest"
	"herald/stories"
	"herald/templates"
)

func TestEscapeMrkdwn(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Japan votes", "Japan votes"},
		{"mention", "<!channel> hi", "&lt;!channel&gt; hi"},
		{"link", "<https://evil|click>", "&lt;https://evil|click&gt;"},
		{"ampersand first", "&lt; & <", "&amp;lt; &amp; &lt;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := templates.EscapeMrkdwn(tt.in); got != tt.want {
				t.Errorf("EscapeMrkdwn(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSlackEscapesStoryText(t *testing.T) {
	evil := "<!channel> <https://evil.example|click> & <@U123>"
	st := story("evil", "Headline "+evil, japan)
	st.Summary = "Summary " + evil
	st.URL = "https://news.example.com/evil?a=1&b=<x>|y"
	st.Sources = []stories.Source{{Outlet: "Outlet " + evil, URL: "https://outlet.example/"}}
	bad := stories.Topic{Slug: "bad", Name: "Topic " + evil}
	for _, schedule := range []string{"daily at 08:00", "instant"} {
		t.Run(schedule, func(t *testing.T) {
			raw, err := mustLoad(t, "").RenderSlack(newDigest(team(schedule), 0, digest.Item{Story: st, Matched: []stories.Topic{bad}}))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range raw {
				s := string(p)
				for _, forbidden := range []string{"<!channel>", "<https://evil", "<@U123>", "<x>", "&b=<"} {
					if strings.Contains(s, forbidden) {
						t.Errorf("payload holds %q:\n%s", forbidden, s)
					}
				}
				for _, want := range []string{"Headline &lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; &lt;@U123&gt;", "Summary &lt;!channel&gt;", "Outlet &lt;!channel&gt;", "Topic &lt;!channel&gt;", "<https://news.example.com/evil?a=1&amp;b=%3Cx%3E%7Cy|Headline"} {
					if !strings.Contains(s, want) {
						t.Errorf("payload lacks %q:\n%s", want, s)
					}
				}
			}
		})
	}
}

func TestSlackPayloadShape(t *testing.T) {
	d := seedDigest(t, team("daily at 08:00"))
	d.Items[1].Story.Image = "https://news.example.com/img/exports.jpg"
	raw, err := mustLoad(t, "").RenderSlack(d)
	if err != nil {
		t.Fatal(err)
	}
	ps := decodePayloads(t, raw)
	if len(ps) != 1 {
		t.Fatalf("got %d payloads, want 1: three stories fit one message", len(ps))
	}
	p := ps[0]
	if p.Channel != nil || p.UnfurlLinks == nil || *p.UnfurlLinks || p.UnfurlMedia == nil || *p.UnfurlMedia || strings.Contains(string(raw[0]), "herald_reply") {
		t.Errorf("payload has channel, unfurls or is a reply: %s", raw[0])
	}
	if want := "Herald digest: South Korea rejects US investment terms matching Japan's pledge and 4 more"; p.Text != want {
		t.Errorf("fallback text %q, want %q", p.Text, want)
	}
	if want := "Herald digest · Sunday, 29 November 2026 · Japan, South Korea"; p.Blocks[0].Type != "header" || p.Blocks[0].Text.Text != want {
		t.Errorf("first block %+v, want header %q", p.Blocks[0], want)
	}
	var types []string
	for _, b := range p.Blocks {
		types = append(types, b.Type)
	}
	if got := strings.Join(types, " "); got != "header section context divider section context divider section context section context" {
		t.Errorf("blocks = %s", got)
	}
	lead := p.Blocks[1].Text.Text
	if want := "*<https://news.example.com/stories/south-korea-rejects-us-investment-terms|South Korea rejects US investment terms matching Japan's pledge>*\nSouth Korea's presidential"; !strings.HasPrefix(lead, want) {
		t.Errorf("lead section does not start with its linked headline:\n%s", lead)
	}
	if meta := textOf(p.Blocks[2]); meta != "The Japan Times, Bloomberg, South China Morning Post · Japan, South Korea · Sat 28 Nov, 17:00 KST" {
		t.Errorf("lead context = %q", meta)
	}
	if !strings.Contains(string(raw[0]), `"accessory":{"type":"image","image_url":"https://news.example.com/img/exports.jpg","alt_text":"Japan's exports rise for a third month"}`) {
		t.Errorf("the story with an image has no image accessory: %s", raw[0])
	}
	footer := p.Blocks[len(p.Blocks)-1].Elements[0].Text
	for _, want := range []string{"<https://herald.example.com/p/sub-desk?t=sig|", "<https://herald.example.com/u/sub-desk?t=sig|Unsubscribe>", "<https://news.example.com/|Herald>"} {
		if !strings.Contains(footer, want) {
			t.Errorf("footer lacks %q: %s", want, footer)
		}
	}
}

func TestSlackInstantAlerts(t *testing.T) {
	d := seedDigest(t, team("instant"))
	raw, err := mustLoad(t, "").RenderSlack(d)
	if err != nil {
		t.Fatal(err)
	}
	ps := decodePayloads(t, raw)
	if len(ps) != len(d.Items) {
		t.Fatalf("got %d payloads, want one per story (%d)", len(ps), len(d.Items))
	}
	for i, p := range ps {
		h := d.Items[i].Story.Headline
		if p.Text != "Breaking: "+h || p.Blocks[0].Type != "section" || !strings.Contains(p.Blocks[0].Text.Text, "|"+h+">*") {
			t.Errorf("alert %d does not lead with %q: %+v", i, h, p)
		}
		foot := textOf(p.Blocks[len(p.Blocks)-1])
		if n := utf8.RuneCountInString(foot); strings.Contains(foot, "\n") || n > 160 || !strings.Contains(foot, "Manage alerts") {
			t.Errorf("alert %d footer (%d characters) is not one short line: %q", i, n, foot)
		}
	}
	last := ps[len(ps)-1].Blocks
	if !strings.Contains(textOf(last[len(last)-2]), "And 2 more stories") {
		t.Errorf("last alert does not mention the 2 stories left out")
	}
}

func TestSlackSplitsLongDigests(t *testing.T) {
	tests := []struct {
		name    string
		summary string
		min     int // payloads at least
	}{
		{name: "many blocks", summary: "Short.", min: 2},
		{name: "many characters", summary: strings.Repeat("Long summary & <more>. ", 200), min: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var items []digest.Item
			for i := range 40 {
				st := story(fmt.Sprint("s", i), fmt.Sprintf("Story %02d", i), japan)
				st.Summary = tt.summary
				items = append(items, digest.Item{Story: st, Matched: []stories.Topic{japan}})
			}
			raw, err := mustLoad(t, "").RenderSlack(newDigest(team("daily at 08:00"), 7, items...))
			if err != nil {
				t.Fatal(err)
			}
			ps := decodePayloads(t, raw)
			if len(ps) < tt.min {
				t.Errorf("got %d payloads, want at least %d", len(ps), tt.min)
			}
			parent := ps[0]
			if parent.Blocks[0].Type != "header" || !strings.HasPrefix(parent.Text, "Herald digest: Story 00") || !strings.HasSuffix(parent.Text, "and 46 more") {
				t.Errorf("parent: text %q, first block %s", parent.Text, parent.Blocks[0].Type)
			}
			if list := textOf(parent.Blocks[1]); strings.Count(list, "\n• ") != 9 {
				t.Errorf("parent lists %d headlines, want 10: %s", strings.Count(list, "\n• ")+1, list)
			}
			var seen []string
			for i, p := range ps {
				checkSlackLimits(t, i, p)
				if reply := strings.Contains(string(raw[i]), `"herald_reply":true`); reply != (i > 0) {
					t.Errorf("payload %d: reply = %v", i, reply)
				}
				if i == 0 {
					continue
				}
				for _, b := range p.Blocks {
					if m := headlineRE.FindStringSubmatch(textOf(b)); m != nil {
						seen = append(seen, m[1])
					}
				}
			}
			if len(seen) != 40 {
				t.Fatalf("replies hold %d stories, want 40: %v", len(seen), seen)
			}
			for i, h := range seen {
				if h != fmt.Sprintf("%02d", i) {
					t.Fatalf("story %d is %s: out of order: %v", i, h, seen)
				}
			}
			if !strings.Contains(string(raw[0]), "And 7 more stories") {
				t.Errorf("the parent does not say 7 more stories were left out")
			}
		})
	}
}

var headlineRE = regexp.MustCompile(`\|Story (\d\d)>\*`)

func textOf(b slackBlock) string {
	if b.Text != nil {
		return b.Text.Text
	}
	var parts []string
	for _, e := range b.Elements {
		parts = append(parts, e.Text)
	}
	return strings.Join(parts, " ")
}

// checkSlackLimits checks Block Kit's limits and Herald's budget.
func checkSlackLimits(t *testing.T, i int, p slackPayload) {
	t.Helper()
	if len(p.Blocks) > 50 {
		t.Errorf("payload %d has %d blocks", i, len(p.Blocks))
	}
	total := 0
	for _, b := range p.Blocks {
		n := utf8.RuneCountInString(textOf(b))
		total += n
		switch {
		case b.Type == "section" && n > 3000:
			t.Errorf("payload %d: section of %d characters", i, n)
		case b.Type == "header" && n > 150:
			t.Errorf("payload %d: header of %d characters", i, n)
		}
	}
	if total > 12000 {
		t.Errorf("payload %d holds %d characters of text", i, total)
	}
}

func TestSlackHugeStoryFitsASection(t *testing.T) {
	st := story("huge", strings.Repeat("&", 2000), japan)
	st.Summary = strings.Repeat("<>", 5000)
	st.URL = "https://news.example.com/" + strings.Repeat("a", 1500)
	for i := range 50 {
		st.Sources = append(st.Sources, stories.Source{Outlet: strings.Repeat("&", 100) + fmt.Sprint(i)})
	}
	many := make([]stories.Topic, 20)
	for i := range many {
		many[i] = stories.Topic{Slug: fmt.Sprint("t", i), Name: strings.Repeat("<", 60)}
	}
	for _, schedule := range []string{"daily at 08:00", "instant"} {
		raw, err := mustLoad(t, "").RenderSlack(newDigest(team(schedule), 0, digest.Item{Story: st, Matched: many}))
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range decodePayloads(t, raw) {
			checkSlackLimits(t, i, p)
		}
	}
}

func TestSlackStoryTextIsVerbatim(t *testing.T) {
	raw, err := mustLoad(t, "").RenderSlack(seedDigest(t, team("daily at 08:00")))
	if err != nil {
		t.Fatal(err)
	}
	if n, m := strings.Count(string(raw[0]), `"type":"mrkdwn"`), strings.Count(string(raw[0]), `"verbatim":true`); n == 0 || n != m {
		t.Errorf("%d mrkdwn objects, %d verbatim: story text may be auto-parsed", n, m)
	}
}

func TestRenderConcurrently(t *testing.T) {
	set := mustLoad(t, "")
	d := seedDigest(t, reader())
	want, err := set.RenderEmail(d)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			r, err := set.RenderEmail(d)
			if err == nil && string(r.HTML) != string(want.HTML) {
				err = fmt.Errorf("HTML differs between renders")
			}
			if err == nil {
				_, err = set.RenderSlack(d)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
