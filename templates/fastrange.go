package templates

import (
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
)

// A {{range .Stories}} whose body is only text and story parts (the
// contents list and the stories themselves, in the defaults) costs the
// template engine a few microseconds a story for what is the same text
// around markers every time. So in the render clones each such range
// becomes one call, {{heraldStories N .Stories}}, that prints the body's
// text and the parts' markers for every story: what the range prints,
// without running it. Load's verification covers it like the other parts.

// storiesFunc is the function the flattened ranges call.
const storiesFunc = "heraldStories"

// flatRange is the body of one flattened range: text, and parts or whole
// stories (by mark).
type flatRange []segment

// storiesHTML and storiesText print flattened range n for stories.
func (f *fragments) storiesHTML(n int, stories []StoryView) htmltemplate.HTML {
	return htmltemplate.HTML(f.printRange(n, stories))
}

func (f *fragments) storiesText(n int, stories []StoryView) string { return f.printRange(n, stories) }

// appendRange appends flattened range n for stories, its parts in place.
func (f *fragments) appendRange(dst []byte, n int, stories []StoryView) []byte {
	for i := range stories {
		for _, seg := range f.ranges[n] {
			if seg.part < 0 {
				dst = append(dst, seg.text...)
			} else {
				dst = f.appendMark(dst, seg.part, &stories[i])
			}
		}
	}
	return dst
}

func (f *fragments) printRange(n int, stories []StoryView) string {
	var b strings.Builder
	for i := range stories {
		for _, seg := range f.ranges[n] {
			if seg.part < 0 {
				b.WriteString(seg.text)
			} else {
				b.WriteString(f.mark(seg.part, &stories[i]))
			}
		}
	}
	return b.String()
}

// flattenHTML flattens the ranges of every template of the HTML render
// clone (before it first runs, so before html/template escapes it).
func (f *fragments) flattenHTML(hc *htmltemplate.Template) error {
	for _, t := range hc.Templates() {
		if tree, ok := f.flatten(t.Tree, true); ok {
			if _, err := hc.AddParseTree(t.Name(), tree); err != nil {
				return fmt.Errorf("templates: fast %s: %w", t.Name(), err)
			}
		}
	}
	return nil
}

// flattenText is flattenHTML for the text render clone.
func (f *fragments) flattenText(tc *texttemplate.Template) error {
	for _, t := range tc.Templates() {
		if tree, ok := f.flatten(t.Tree, false); ok {
			if _, err := tc.AddParseTree(t.Name(), tree); err != nil {
				return fmt.Errorf("templates: fast %s: %w", t.Name(), err)
			}
		}
	}
	return nil
}

// flatten returns a copy of tree with its flattenable ranges replaced, and
// whether there were any. The copy leaves the templates' own trees, which
// the plain way runs, as they are.
func (f *fragments) flatten(tree *parse.Tree, html bool) (*parse.Tree, bool) {
	if tree == nil || tree.Root == nil {
		return nil, false
	}
	tree = tree.Copy()
	return tree, f.flattenList(tree.Root, html)
}

func (f *fragments) flattenList(list *parse.ListNode, html bool) bool {
	changed := false
	for i, n := range list.Nodes {
		switch n := n.(type) {
		case *parse.RangeNode:
			if body, ok := f.rangeBody(n, html); ok {
				list.Nodes[i] = f.storiesCall(len(f.ranges))
				f.ranges = append(f.ranges, body)
				changed = true
				continue
			}
			changed = f.flattenBranch(&n.BranchNode, html) || changed
		case *parse.IfNode:
			changed = f.flattenBranch(&n.BranchNode, html) || changed
		case *parse.WithNode:
			changed = f.flattenBranch(&n.BranchNode, html) || changed
		}
	}
	return changed
}

func (f *fragments) flattenBranch(b *parse.BranchNode, html bool) bool {
	changed := b.List != nil && f.flattenList(b.List, html)
	return b.ElseList != nil && f.flattenList(b.ElseList, html) || changed
}

// rangeBody is the body of r as segments when r ranges over .Stories, with
// no variables and no else, and its body is text and calls of parts (or of
// "story" where it has a skeleton) on dot.
func (f *fragments) rangeBody(r *parse.RangeNode, html bool) (flatRange, bool) {
	if r.ElseList != nil || r.Pipe == nil || len(r.Pipe.Decl) > 0 || r.Pipe.String() != ".Stories" {
		return nil, false
	}
	var body flatRange
	for _, n := range r.List.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			body = append(body, segment{text: string(n.Text), part: -1})
		case *parse.TemplateNode:
			p, ok := f.markOf(n, html)
			if !ok {
				return nil, false
			}
			body = append(body, segment{part: p})
		default:
			return nil, false
		}
	}
	return body, true
}

// markOf is the mark a {{template "name" .}} prints in the render clone.
func (f *fragments) markOf(n *parse.TemplateNode, html bool) (partID, bool) {
	if n.Pipe == nil || n.Pipe.String() != "." {
		return 0, false
	}
	if n.Name == storyName {
		if html && f.skel[0] != nil {
			return markStoryHTML, true
		}
		if !html && f.skel[1] != nil {
			return markStoryText, true
		}
		return 0, false
	}
	for p, spec := range parts {
		if spec.html == html && spec.name == n.Name && f.plain[p] != nil {
			return partID(p), true
		}
	}
	return 0, false
}

// storiesCall is the node {{heraldStories n .Stories}}.
func (f *fragments) storiesCall(n int) parse.Node {
	src := fmt.Sprintf("{{%s %d .Stories}}", storiesFunc, n)
	trees, err := parse.Parse("flat", src, "", "", map[string]any{storiesFunc: true})
	if err != nil {
		panic(err) // src is ours
	}
	return trees["flat"].Root.Nodes[0]
}
