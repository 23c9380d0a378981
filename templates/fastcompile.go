package templates

import (
	"errors"
	htmltemplate "html/template"
	"maps"
	"reflect"
	texttemplate "text/template"
	"text/template/parse"
)

// compile compiles the fast way's entries and the subject (compile.go),
// once the fast way has run (so html/template has escaped its trees), and
// keeps them only when Load's verification gives the same bytes with
// them; what the compiler declines runs as before. Compiled, the parts'
// and flattened ranges' functions append the parts themselves where the
// clones print markers (appenders), so nothing is left to expand; a
// clone calling them anywhere else is declined.
func (s *Set) compile() error {
	f := s.frags
	viewType := reflect.TypeFor[*View]()
	h := f.html.set.(*htmltemplate.Template)
	t := f.text.set.(*texttemplate.Template)
	subj := s.subject.set.(*texttemplate.Template)
	var progs [3]*program
	var err error
	if progs[0], err = compileSet(htmlTrees(h), funcs, f.appenders(), f.html.name, viewType); err != nil {
		return declined(err)
	}
	if progs[1], err = compileSet(textTrees(t), funcs, f.appenders(), f.text.name, viewType); err != nil {
		return declined(err)
	}
	if progs[2], err = compileSet(textTrees(subj), funcs, nil, s.subject.name, viewType); err != nil {
		return declined(err)
	}
	f.html.prog, f.text.prog = progs[0], progs[1]
	f.subject = s.subject
	f.subject.prog = progs[2]
	if err := s.verify(); errors.Is(err, errFastDiffers) {
		f.html.prog, f.text.prog, f.subject.prog = nil, nil, nil
		return nil
	} else if err != nil {
		return err
	}
	return nil
}

// declined is nil for a set the compiler declines, the error otherwise.
func declined(err error) error {
	if errors.Is(err, errDecline) {
		return nil
	}
	return err
}

func htmlTrees(h *htmltemplate.Template) func(string) *parse.Tree {
	return func(name string) *parse.Tree {
		if t := h.Lookup(name); t != nil {
			return t.Tree
		}
		return nil
	}
}

func textTrees(t *texttemplate.Template) func(string) *parse.Tree {
	return func(name string) *parse.Tree {
		if t := t.Lookup(name); t != nil {
			return t.Tree
		}
		return nil
	}
}

// markFuncs are the template functions of the fast way's render clones:
// Herald's, those printing the parts' markers and the flattened ranges.
func (f *fragments) markFuncs(html bool) map[string]any {
	m := maps.Clone(funcs)
	for p := range nMarks {
		if html {
			m[partFunc(p)] = func(v *StoryView) htmltemplate.HTML { return htmltemplate.HTML(f.mark(p, v)) }
		} else {
			m[partFunc(p)] = func(v *StoryView) string { return f.mark(p, v) }
		}
	}
	m[storiesFunc] = f.storiesText
	if html {
		m[storiesFunc] = f.storiesHTML
	}
	return m
}

// appenders print in place what the markers of markFuncs stand for.
func (f *fragments) appenders() map[string]any {
	m := map[string]any{storiesFunc: f.appendRange}
	for p := range nMarks {
		m[partFunc(p)] = func(dst []byte, v *StoryView) []byte { return f.appendMark(dst, p, v) }
	}
	return m
}
