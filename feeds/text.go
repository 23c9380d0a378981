package feeds

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// PlainText reduces an HTML fragment (or plain text, which reads the same)
// to Herald's plain paragraphs: text only, entities decoded, white space
// collapsed, block elements and <br> ending a paragraph, paragraphs joined
// by a blank line. Scripts, styles and every tag are dropped.
func PlainText(s string) string {
	var p paragraphs
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // inside script, style, ...
	for {
		switch z.Next() {
		case html.ErrorToken:
			return p.String()
		case html.TextToken:
			if skip == 0 {
				p.text(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			skip += p.tag(z, true)
		case html.EndTagToken:
			skip -= p.tag(z, false)
			skip = max(skip, 0)
		}
	}
}

// paragraphs collects text, one paragraph at a time.
type paragraphs struct {
	done []string
	cur  strings.Builder
}

// tag ends the paragraph at a block element and says how a hidden one
// (script, style) changes the skip depth.
func (p *paragraphs) tag(z *html.Tokenizer, start bool) int {
	name, _ := z.TagName()
	a := atom.Lookup(name)
	if hidden[a] {
		if start && z.Token().Type == html.SelfClosingTagToken {
			return 0
		}
		return 1
	}
	if block[a] {
		p.end()
	}
	return 0
}

func (p *paragraphs) text(t string) { p.cur.WriteString(t) }

// end closes the paragraph, its white space collapsed.
func (p *paragraphs) end() {
	if s := strings.Join(strings.FieldsFunc(p.cur.String(), isSpace), " "); s != "" {
		p.done = append(p.done, s)
	}
	p.cur.Reset()
}

func (p *paragraphs) String() string {
	p.end()
	return strings.Join(p.done, "\n\n")
}

// isSpace is white space, and every control character a story's text
// may not hold.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

var hidden = map[atom.Atom]bool{atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Iframe: true, atom.Object: true, atom.Svg: true, atom.Head: true}

var block = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Li: true, atom.Ul: true, atom.Ol: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Blockquote: true, atom.Pre: true, atom.Tr: true, atom.Table: true, atom.Section: true,
	atom.Article: true, atom.Header: true, atom.Footer: true, atom.Figure: true, atom.Figcaption: true,
	atom.Hr: true, atom.Dd: true, atom.Dt: true, atom.Aside: true,
}
