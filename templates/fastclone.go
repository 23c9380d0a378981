package templates

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
	"text/template/parse"
)

// cloneHTML makes two clones of h in which every part prints its marker.
func (f *fragments) cloneHTML(h *htmltemplate.Template) (skel, render *htmltemplate.Template, err error) {
	var out [2]*htmltemplate.Template
	for i := range out {
		if out[i], err = h.Clone(); err != nil {
			return nil, nil, fmt.Errorf("templates: clone HTML: %w", err)
		}
		out[i].Funcs(f.markFuncs(true))
		for p, spec := range parts {
			if spec.html && f.plain[p] != nil {
				if _, err = out[i].New(spec.name).Parse("{{" + partFunc(partID(p)) + " .}}"); err != nil {
					return nil, nil, fmt.Errorf("templates: fast %s: %w", spec.name, err)
				}
			}
		}
	}
	return out[0], out[1], nil
}

// cloneText is cloneHTML for the text set.
func (f *fragments) cloneText(t *texttemplate.Template) (skel, render *texttemplate.Template, err error) {
	var out [2]*texttemplate.Template
	for i := range out {
		if out[i], err = t.Clone(); err != nil {
			return nil, nil, fmt.Errorf("templates: clone text: %w", err)
		}
		out[i].Funcs(f.markFuncs(false))
		for p, spec := range parts {
			if !spec.html && f.plain[p] != nil {
				if _, err = out[i].New(spec.name).Parse("{{" + partFunc(partID(p)) + " .}}"); err != nil {
					return nil, nil, fmt.Errorf("templates: fast %s: %w", spec.name, err)
				}
			}
		}
	}
	return out[0], out[1], nil
}

// has reports the parts of the HTML (or the text) set by template name.
func (f *fragments) has(html bool) func(name string) bool {
	return func(name string) bool {
		for p, spec := range parts {
			if spec.html == html && spec.name == name && f.plain[p] != nil {
				return true
			}
		}
		return false
	}
}

// composite reports a template made of text and calls {{template "part" .}}
// of parts only: its output is the same text around the parts for every
// story, so it need not run.
func composite(tree *parse.Tree, isPart func(name string) bool) bool {
	if tree == nil || tree.Root == nil {
		return false
	}
	for _, n := range tree.Root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
		case *parse.TemplateNode:
			if !isPart(n.Name) || n.Pipe == nil || len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 {
				return false
			}
			if _, ok := n.Pipe.Cmds[0].Args[0].(*parse.DotNode); !ok {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// skeleton renders "story" with set (whose parts print markers) and cuts
// the output into text and parts; nil when ok is false.
func (f *fragments) skeleton(set executor, ok bool) ([]segment, error) {
	if !ok {
		return nil, nil
	}
	var b bytes.Buffer
	if err := set.ExecuteTemplate(&b, storyName, &StoryView{}); err != nil {
		return nil, fmt.Errorf("templates: story skeleton: %w", err)
	}
	var segs []segment
	out := b.Bytes()
	for len(out) > 0 {
		i := bytes.IndexByte(out, 0)
		if i < 0 {
			i = len(out)
		}
		if i > 0 {
			segs = append(segs, segment{text: string(out[:i]), part: -1})
		}
		out = out[i:]
		if len(out) == 0 {
			break
		}
		p, slot, ok := f.parse(out)
		if !ok || slot != 0 || p >= nParts {
			return nil, nil // not what it seemed: let "story" run
		}
		segs = append(segs, segment{part: p})
		out = out[markerLen:]
	}
	return segs, nil
}

// redefineStory makes "story" print a whole-story marker in the render
// clones of the sets where it has a skeleton.
func (f *fragments) redefineStory(hc *htmltemplate.Template, tc *texttemplate.Template) error {
	if f.skel[0] != nil {
		if _, err := hc.New(storyName).Parse("{{" + partFunc(markStoryHTML) + " .}}"); err != nil {
			return fmt.Errorf("templates: fast HTML story: %w", err)
		}
	}
	if f.skel[1] != nil {
		if _, err := tc.New(storyName).Parse("{{" + partFunc(markStoryText) + " .}}"); err != nil {
			return fmt.Errorf("templates: fast text story: %w", err)
		}
	}
	return nil
}
