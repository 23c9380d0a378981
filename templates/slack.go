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
)

// payload is one chat.postMessage body without "channel": the channel
// adds it.
type payload struct {
	Text        string        `json:"text"`
	Blocks      []slack.Block `json:"blocks"`
	UnfurlLinks bool          `json:"unfurl_links"`
	UnfurlMedia bool          `json:"unfurl_media"`
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

// storyText is a story's section: the linked headline, the blurb, the
// outlets and the topics, at most slackSectionChars long.
func storyText(sv StoryView) string {
	head := "*" + slackLink(sv.URL, fitMrkdwn(sv.Headline, slackHeadlineChar)) + "*"
	var tail []string
	if o := sv.Outlets(); o != "" {
		tail = append(tail, "_Outlets: "+fitMrkdwn(o, slackListChars)+"_")
	}
	if len(sv.Topics) > 0 {
		tail = append(tail, "Topics: "+fitMrkdwn(strings.Join(sv.Topics, ", "), slackListChars))
	}
	fixed := utf8.RuneCountInString(head+strings.Join(tail, "\n")) + 2
	blurb := fitMrkdwn(strings.Join(sv.Summary, "\n"), slackSectionChars-fixed)
	return joinLines(append([]string{head, blurb}, tail...)...)
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

// moreSection is "And N more stories on <site|Herald>", or nil.
func moreSection(v *View) []block {
	if v.More == 0 {
		return nil
	}
	text := fmt.Sprintf("And %d more %s on %s", v.More, plural(v.More), slackLink(v.SiteURL, EscapeMrkdwn(v.SiteName)))
	return []block{section(text)}
}

// footer is the context line with the team's links.
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

// alerts is one payload per story.
func (s *Set) alerts(v *View) []payload {
	site := slackLink(v.SiteURL, EscapeMrkdwn(v.SiteName))
	var out []payload
	for i, sv := range v.Stories {
		blocks := []block{section(storyText(sv))}
		if i == len(v.Stories)-1 {
			blocks = append(blocks, moreSection(v)...)
		}
		blocks = append(blocks, footer(v, site+" alert"))
		out = append(out, newPayload(EscapeMrkdwn(v.SiteName+" alert: "+sv.Headline), blocks))
	}
	return out
}

// slackDigest is the digest in as many payloads as Slack's limits need.
func (s *Set) slackDigest(v *View) []payload {
	tail := append(moreSection(v), footer(v, slackLink(v.SiteURL, EscapeMrkdwn(v.SiteName))+" · "+v.Date))
	groups := pack(storyBlocks(v), tail)
	out := make([]payload, len(groups))
	for i, g := range groups {
		title := digestTitle(v, i+1, len(groups))
		out[i] = newPayload(EscapeMrkdwn(title), append([]block{header(title)}, g...))
	}
	return out
}

// storyBlocks is one section per story, or a line saying there is none.
func storyBlocks(v *View) []block {
	if len(v.Stories) == 0 {
		return []block{section("No new stories on your topics this time.")}
	}
	out := make([]block, len(v.Stories))
	for i, sv := range v.Stories {
		out[i] = section(storyText(sv))
	}
	return out
}

// digestTitle is "Herald digest: 5 stories on Japan, South Korea", with
// "(2/3)" after "digest" when the digest takes several messages.
func digestTitle(v *View, part, parts int) string {
	title := v.SiteName + " digest"
	if parts > 1 {
		title += fmt.Sprintf(" (%d/%d)", part, parts)
	}
	title += fmt.Sprintf(": %d %s", v.Total, plural(v.Total))
	if v.Topics != "" {
		title += " on " + v.Topics
	}
	return title
}

// pack puts the stories into messages in order, dividers between them,
// each message leaving room for its header, and tail at the end of the
// last one.
func pack(stories, tail []block) [][]block {
	var groups [][]block
	var cur []block
	add := func(b block) {
		if len(cur) > 0 && !fits(cur, b) {
			groups, cur = append(groups, cur), nil
		}
		if len(cur) > 0 {
			cur = append(cur, divider())
		}
		cur = append(cur, b)
	}
	for _, b := range stories {
		add(b)
	}
	for i, b := range tail {
		if len(cur) > 0 && !fits(cur, tail[i:]...) {
			groups, cur = append(groups, cur), nil
		}
		cur = append(cur, b)
	}
	return append(groups, cur)
}

// fits says whether more blocks, after a divider, fit in a message that
// holds cur and a header.
func fits(cur []block, more ...block) bool {
	blocks := 1 + 1 + len(cur) + len(more)
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
