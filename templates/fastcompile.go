package templates

import (
	"errors"
	htmltemplate "html/template"
	"maps"
	"reflect"
	texttemplate "text/template"
	"text/template/parse"
)

// compile compiles the fast way's entries, the subject and the parts'
// own templates (compile.go), each on its own, once the fast way has run
// (so html/template has escaped its trees), and keeps them only when
// Load's verification gives the same bytes with them; what the compiler
// declines runs as before. Compiled, the parts' and flattened ranges'
// functions append the parts themselves where the clones print markers
// (appenders), so nothing is left to expand; a clone calling them
// anywhere else is declined.
func (s *Set) compile() error {
	s.frags.subject = s.subject
	var done []*entry
	for _, j := range s.compileJobs() {
		prog, err := compileSet(treesOf(j.e.set), funcs, j.appenders, j.e.name, j.t)
		if errors.Is(err, errDecline) {
			continue
		} else if err != nil {
			return err
		}
		j.e.prog = prog
		done = append(done, j.e)
	}
	if err := s.verify(); errors.Is(err, errFastDiffers) {
		for _, e := range done {
			e.prog = nil
		}
	} else if err != nil {
		return err
	}
	return nil
}

// compileJob is an entry to compile for data of type t.
type compileJob struct {
	e         *entry
	appenders map[string]any
	t         reflect.Type
}

// compileJobs are the fast way's entries, the subject and the parts'
// own templates (which render the stories not kept).
func (s *Set) compileJobs() []compileJob {
	f := s.frags
	view := reflect.TypeFor[*View]()
	jobs := []compileJob{{&f.html, f.appenders(), view}, {&f.text, f.appenders(), view}, {&f.subject, nil, view}}
	for _, e := range f.plain {
		if e != nil {
			jobs = append(jobs, compileJob{e, nil, reflect.TypeFor[StoryView]()})
		}
	}
	return jobs
}

// treesOf looks up the templates of an html/template or text/template
// set by name.
func treesOf(set executor) func(string) *parse.Tree {
	return func(name string) *parse.Tree {
		switch set := set.(type) {
		case *htmltemplate.Template:
			if t := set.Lookup(name); t != nil {
				return t.Tree
			}
		case *texttemplate.Template:
			if t := set.Lookup(name); t != nil {
				return t.Tree
			}
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
