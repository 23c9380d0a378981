package templates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"herald/digest"
	"herald/subscribers"
)

// Slack's Block Kit limits, and the budget Herald keeps a message under.
const (
	slackMaxBlocks    = 50
	slackSectionChars = 3000
	slackHeaderChars  = 150
	slackBudget       = 12_000 // characters of text in one message
	slackLinkChars    = 1000   // a longer URL is left unlinked
	slackHeadlineChar = 600
	slackListChars    = 300 // the outlets line, the topics line
	slackBlurbRunes   = 600 // a story's summary
	slackAltChars     = 150 // an image's alt text
	slackListHeadline = 150 // a headline in the parent's list and the fallback text
	slackListed       = 10  // headlines the parent lists
	// slackSingleStories is the most stories a digest posts as one
	// message; a longer one is a parent message and a thread.
	slackSingleStories = 3
)

// payload is one chat.postMessage body without "channel": the channel
// adds it.
type payload struct {
	Text        string        `json:"text"`
	Blocks      []slack.Block `json:"blocks"`
	UnfurlLinks bool          `json:"unfurl_links"`
	UnfurlMedia bool          `json:"unfurl_media"`
	// Reply posts the payload in the thread of the message's first
	// payload (channels/slack reads it; it is not Slack's).
	Reply bool `json:"herald_reply,omitempty"`
}

// block is a Block Kit block and the characters of text it holds.
type block struct {
	slack.Block
	chars int
}

// RenderSlack renders d as Slack payloads, to be posted in order: the
// digest split to fit Slack's limits, or for an instant Slack subscriber
// one alert per story.
func (s *Set) RenderSlack(d *digest.Digest) ([]json.RawMessage, error) {
	if d == nil {
		return nil, ErrNilDigest
	}
	v := s.newView(d, layout{blurb: slackBlurbRunes, outlets: maxParts})
	v.follow = s.followTopics(d)
	if instant(d.Subscriber) && len(v.Stories) > 0 {
		return marshalAll(s.alerts(v))
	}
	return marshalAll(s.slackDigest(v))
}

func instant(sub *subscribers.Subscriber) bool {
	return sub != nil && sub.Kind == subscribers.KindSlack && sub.Schedule == "instant"
}

// EscapeMrkdwn escapes the three characters Slack's mrkdwn treats as
// control characters, so text can neither mention (<!channel>) nor link
// (<https://evil|click>).
func EscapeMrkdwn(s string) string {
	return mrkdwnEscaper.Replace(s)
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// slackURLEscaper makes a URL safe inside <url|text>.
var slackURLEscaper = strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20")

// fitMrkdwn escapes s, cut with "…" so that the escaped text holds at most
// limit characters.
func fitMrkdwn(s string, limit int) string {
	e := EscapeMrkdwn(s)
	if utf8.RuneCountInString(e) <= limit {
		return e
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		piece := EscapeMrkdwn(string(r))
		w := utf8.RuneCountInString(piece)
		if n+w > limit-1 {
			break
		}
		b.WriteString(piece)
		n += w
	}
	if limit < 1 {
		return ""
	}
	return b.String() + ellipsis
}

// slackLink is text linked to url, or the text alone when there is no
// usable URL.
func slackLink(url, text string) string {
	u := slackURLEscaper.Replace(url)
	if url == "" || utf8.RuneCountInString(u) > slackLinkChars {
		return text
	}
	return "<" + u + "|" + text + ">"
}

// storyText is a story's section: the linked headline and the blurb, at
// most slackSectionChars long. Its metadata goes in storyMeta's context.
func storyText(sv StoryView) string {
	head := "*" + slackLink(sv.URL, fitMrkdwn(sv.Headline, slackHeadlineChar)) + "*"
	blurb := fitMrkdwn(strings.Join(sv.Summary, "\n"), slackSectionChars-utf8.RuneCountInString(head)-1)
	return joinLines(head, blurb)
}

// storyMeta is the story's context line: outlets, topics, time.
func storyMeta(sv StoryView) string {
	var parts []string
	if o := sv.Outlets(); o != "" {
		parts = append(parts, fitMrkdwn(o, slackListChars))
	}
	if len(sv.Topics) > 0 {
		parts = append(parts, fitMrkdwn(strings.Join(sv.Topics, ", "), slackListChars))
	}
	if sv.Published != "" {
		parts = append(parts, EscapeMrkdwn(sv.Published))
	}
	return strings.Join(parts, " · ")
}

// storyUnit is a story's blocks: its section (with the story's image as
// an accessory when it has one) and its context line.
func storyUnit(sv StoryView) []block {
	text := storyText(sv)
	obj := slack.NewTextBlockObject(slack.MarkdownType, text, false, true)
	var acc *slack.Accessory
	if sv.Image != "" && len(sv.Image) <= slackLinkChars {
		acc = slack.NewAccessory(slack.NewImageBlockElement(sv.Image, fitMrkdwn(sv.Headline, slackAltChars)))
	}
	out := []block{{slack.NewSectionBlock(obj, nil, acc), utf8.RuneCountInString(text)}}
	if meta := storyMeta(sv); meta != "" {
		out = append(out, contextLine(meta))
	}
	return out
}

// joinLines joins the non-empty lines.
func joinLines(lines ...string) string {
	var out []string
	for _, l := range lines {
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Story text goes into mrkdwn objects marked verbatim, so Slack does not
// auto-link or parse mentions in it; only the links Herald writes as
// <url|text> are links.

func section(text string) block {
	obj := slack.NewTextBlockObject(slack.MarkdownType, text, false, true)
	return block{slack.NewSectionBlock(obj, nil, nil), utf8.RuneCountInString(text)}
}

func contextLine(text string) block {
	obj := slack.NewTextBlockObject(slack.MarkdownType, text, false, true)
	return block{slack.NewContextBlock("", obj), utf8.RuneCountInString(text)}
}

func header(text string) block {
	text = fitMrkdwn(text, slackHeaderChars)
	obj := slack.NewTextBlockObject(slack.PlainTextType, text, true, false)
	return block{slack.NewHeaderBlock(obj), utf8.RuneCountInString(text)}
}

func divider() block { return block{slack.NewDividerBlock(), 0} }

// moreSection is "And N more stories in the web version", or nil.
func moreSection(v *View) []block {
	if v.More == 0 {
		return nil
	}
	where := "on " + EscapeMrkdwn(v.SiteName)
	if v.Links.Web != "" {
		where = "in the web version"
	}
	text := fmt.Sprintf("And %d more %s %s", v.More, plural(v.More), where)
	return []block{section(slackLink(v.MoreURL, text))}
}

// footer is the digest's context line with the team's links.
func footer(v *View, lead string) block {
	parts := []string{lead}
	if v.Follows != "" {
		parts = append(parts, "This channel follows "+fitMrkdwn(v.Follows, slackListChars))
	}
	if v.Links.Preferences != "" {
		parts = append(parts, slackLink(v.Links.Preferences, "Change topics or schedule"))
	}
	if v.Links.Unsubscribe != "" {
		parts = append(parts, slackLink(v.Links.Unsubscribe, "Unsubscribe"))
	}
	return contextLine(strings.Join(parts, " · "))
}

func plural(n int) string {
	if n == 1 {
		return "story"
	}
	return "stories"
}

// alerts is one payload per story, with a one-line footer.
func (s *Set) alerts(v *View) []payload {
	site := slackLink(v.SiteURL, EscapeMrkdwn(v.SiteName))
	foot := site + " " + EscapeMrkdwn(strings.ToLower(s.opts.Breaking)) + " alert"
	if v.Links.Preferences != "" {
		foot += " · " + slackLink(v.Links.Preferences, "Manage alerts")
	}
	var out []payload
	for i, sv := range v.Stories {
		blocks := storyBlocks(v, i)
		if i == len(v.Stories)-1 {
			blocks = append(blocks, moreSection(v)...)
		}
		blocks = append(blocks, contextLine(foot))
		out = append(out, newPayload(EscapeMrkdwn(s.opts.Breaking+": "+sv.Headline), blocks))
	}
	return out
}

// slackDigest is the digest as one message when it is short (at most
// slackSingleStories stories, within Slack's limits), else as a parent
// message (header, the top headlines, the footer) with the stories as
// replies in its thread, packed into as few replies as the limits allow.
func (s *Set) slackDigest(v *View) []payload {
	units := storyUnits(v)
	tail := append(moreSection(v), footer(v, slackLink(v.SiteURL, EscapeMrkdwn(v.SiteName))+" · "+EscapeMrkdwn(v.Date)))
	if len(v.Stories) <= slackSingleStories {
		if g := pack(units, tail); len(g) == 1 {
			return []payload{newPayload(slackFallback(v), append([]block{header(digestTitle(v))}, g[0]...))}
		}
	}
	out := []payload{newPayload(slackFallback(v), parentBlocks(v, tail))}
	for _, g := range pack(units, nil) {
		p := newPayload(slackFallback(v), g)
		p.Reply = true
		out = append(out, p)
	}
	return out
}

// parentBlocks are the thread's parent: the header, the top headlines as
// a compact linked list, a pointer to the thread, and the footer.
func parentBlocks(v *View, tail []block) []block {
	var lines []string
	n := 0
	for _, sv := range v.Stories[:min(len(v.Stories), slackListed)] {
		l := "• " + slackLink(sv.URL, fitMrkdwn(sv.Headline, slackListHeadline))
		if n+utf8.RuneCountInString(l)+1 > slackSectionChars {
			break
		}
		lines, n = append(lines, l), n+utf8.RuneCountInString(l)+1
	}
	out := []block{header(digestTitle(v)), section(strings.Join(lines, "\n")),
		contextLine(fmt.Sprintf("%d %s in the thread below", len(v.Stories), plural(len(v.Stories))))}
	return append(out, tail...)
}

// storyUnits are the stories' blocks, or a line saying there is none.
func storyUnits(v *View) [][]block {
	if len(v.Stories) == 0 {
		return [][]block{{section("No new stories on your topics this time.")}}
	}
	out := make([][]block, len(v.Stories))
	for i := range v.Stories {
		out[i] = storyBlocks(v, i)
	}
	return out
}

// slackFallback is the notification text: it names the lead headline.
func slackFallback(v *View) string {
	if len(v.Stories) == 0 {
		return EscapeMrkdwn(v.SiteName + " digest: no new stories")
	}
	text := v.SiteName + " digest: " + line(v.Stories[0].Headline, slackListHeadline)
	if v.Total > 1 {
		text += fmt.Sprintf(" and %d more", v.Total-1)
	}
	return EscapeMrkdwn(text)
}

// digestTitle is "Herald digest · Sunday, 29 November 2026 · Japan, South
// Korea", cut to a header's 150 characters.
func digestTitle(v *View) string {
	title := v.SiteName + " digest · " + v.Date
	if v.Topics != "" {
		title += " · " + v.Topics
	}
	return title
}

// pack puts the story units into messages in order, dividers between
// them, each message leaving room for a header, and tail at the end of the
// last one.
func pack(units [][]block, tail []block) [][]block {
	var groups [][]block
	var cur []block
	for _, u := range units {
		if len(cur) > 0 && !fits(cur, append([]block{divider()}, u...)...) {
			groups, cur = append(groups, cur), nil
		}
		if len(cur) > 0 {
			cur = append(cur, divider())
		}
		cur = append(cur, u...)
	}
	for i, b := range tail {
		if len(cur) > 0 && !fits(cur, tail[i:]...) {
			groups, cur = append(groups, cur), nil
		}
		cur = append(cur, b)
	}
	return append(groups, cur)
}

// fits says whether more blocks fit in a message that holds cur and a
// header.
func fits(cur []block, more ...block) bool {
	blocks := 1 + len(cur) + len(more)
	return blocks <= slackMaxBlocks && slackHeaderChars+chars(cur)+chars(more) <= slackBudget
}

func chars(bs []block) int {
	n := 0
	for _, b := range bs {
		n += b.chars
	}
	return n
}

func newPayload(text string, blocks []block) payload {
	p := payload{Text: text}
	for _, b := range blocks {
		p.Blocks = append(p.Blocks, b.Block)
	}
	return p
}

// marshalAll encodes the payloads without JSON's HTML escaping, so the
// bytes read as Slack sees them ("&lt;" rather than "\u0026lt;").
func marshalAll(ps []payload) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(ps))
	for i, p := range ps {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(p); err != nil {
			return nil, fmt.Errorf("templates: encode slack payload: %w", err)
		}
		out[i] = unescapeHTML(bytes.TrimRight(b.Bytes(), "\n"))
	}
	return out, nil
}

// unescapeHTML undoes the \u003c, \u003e and \u0026 escapes that slack-go's
// own MarshalJSON methods leave inside JSON strings. In JSON a backslash
// always starts an escape, so reading escape by escape is exact.
func unescapeHTML(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		if r, ok := htmlEscapes[string(b[i+1:min(i+6, len(b))])]; ok {
			out = append(out, r)
			i += 5
			continue
		}
		out = append(out, b[i], b[i+1])
		i++
	}
	return out
}

var htmlEscapes = map[string]byte{"u003c": '<', "u003e": '>', "u0026": '&'}
