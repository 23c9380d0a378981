package templates

import (
	"bytes"
	"errors"
	htmltemplate "html/template"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	texttemplate "text/template"
)

func TestCompiledForDefaults(t *testing.T) {
	s, err := Load("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := s.frags
	if f.html.prog == nil || f.text.prog == nil || f.subject.prog == nil {
		t.Fatalf("default templates not compiled: html %v, text %v, subject %v", f.html.prog != nil, f.text.prog != nil, f.subject.prog != nil)
	}
	for p, e := range f.plain {
		if e.prog == nil {
			t.Errorf("part %s (html %v) not compiled", parts[p].name, parts[p].html)
		}
	}
}

// trickyText draws strings every escaper treats differently: markup,
// quotes, '+', NUL, percent escapes, schemes, non-ASCII, bad UTF-8.
func trickyText(r *rand.Rand) string {
	bits := []string{"", "a", " ", "<b>", "&amp;", "\"", "'", "+", "\x00", "%41", "%zz", "javascript:", "https://x.example/?q=1&r=2",
		"mailto:a@b", "日本", "\xff", "/p/a b", "(x)", "#top", "=", "\n", "—", "HTTP:", "data:x"}
	var b strings.Builder
	for range r.IntN(5) {
		b.WriteString(bits[r.IntN(len(bits))])
	}
	return b.String()
}

// TestCompiledFrameMatchesEngine runs the compiled entries and the
// template engine on the same views, the frame's fields made up of
// tricky text.
func TestCompiledFrameMatchesEngine(t *testing.T) {
	s, err := Load("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := s.frags
	r := rand.New(rand.NewPCG(3, 4))
	pool := randomStories(r, 20)
	for i := range 300 {
		v, err := s.buildView(randomDigest(r, pool, i), s.emailLayouts()[r.IntN(3)], f.storyView)
		if err != nil {
			t.Fatal(err)
		}
		trickyFrame(r, v)
		compiledMatches(t, f.html, v, func(b []byte) []byte { return f.expand(b, v, false) })
		compiledMatches(t, f.text, v, func(b []byte) []byte { return f.expand(b, v, true) })
		compiledMatches(t, f.subject, v, nil)
		for _, sv := range v.Stories {
			for _, e := range f.plain {
				compiledMatches(t, *e, sv, nil)
			}
		}
	}
}

func trickyFrame(r *rand.Rand, v *View) {
	for _, p := range []*string{&v.SiteName, &v.SiteURL, &v.Reader, &v.Date, &v.Preheader, &v.Schedule, &v.Postal,
		&v.MoreURL, &v.Follows, &v.Subject.Prefix, &v.Subject.Headline, &v.Links.Web, &v.Links.Preferences,
		&v.Links.Unsubscribe, &v.Links.Mailto} {
		if r.IntN(3) > 0 {
			*p = trickyText(r)
		}
	}
	for i := range v.TopicInfo {
		v.TopicInfo[i] = TopicView{Name: trickyText(r), Description: trickyText(r), Unfollow: trickyText(r)}
	}
	v.Alert, v.More, v.Total, v.Subject.Others = r.IntN(4) == 0, r.IntN(3)*r.IntN(30), r.IntN(40), r.IntN(3)
}

// compiledMatches compares e's compiled run with the engine's, whose
// markers expand puts the parts in place of (nil: none).
func compiledMatches(t *testing.T, e entry, data any, expand func([]byte) []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := e.set.ExecuteTemplate(&b, e.name, data); err != nil {
		t.Fatal(err)
	}
	want := b.Bytes()
	if expand != nil {
		want = expand(want)
	}
	if got := e.prog.execute(nil, data); !bytes.Equal(got, want) {
		t.Fatalf("%s: compiled\n%q\nengine\n%q", e.name, got, want)
	}
}

// contextData is the data of TestCompiledContexts.
type contextData struct {
	S, T  string
	N     int
	B     bool
	H     htmltemplate.HTML
	U     htmltemplate.URL
	L     []string
	Items []contextItem
}

type contextItem struct {
	Name string
	Rank int
}

const contextTemplates = `{{define "item"}}{{.Name}}#{{.Rank}}{{end}}` +
	`{{define "main"}}<title>{{.S}} {{.H}}</title><p title="{{.S}}" class='{{.T}}'>{{.S}}{{.H}}{{.N}}{{.B}}</p>` +
	`<a href="{{.S}}">x</a><a href="{{.U}}">u</a><a href="/q?s={{.S}}&u={{.U}}">q</a><a href="https://x/{{.T}}">p</a>` +
	`{{if and .S .T}}both{{else if or .S .T}}one{{else}}none{{end}}{{with .S}}[{{.}}]{{else}}-{{end}}` +
	`{{if not .B}}nb{{end}}{{print .S .N .N .T .B}}{{print .N}}{{join .L ", "}}{{plural .N "one" "many"}}` +
	`{{range .Items}}{{template "item" .}}({{$.S}}){{else}}no items{{end}}{{range .L}}<i>{{.}}</i>{{end}}` +
	`{{.S | printf "%s"}}{{msoOpen}}{{end}}`

// TestCompiledContexts compiles a template with every escaping context,
// builtin and construct the compiler takes, and compares it with the
// engine on random data.
func TestCompiledContexts(t *testing.T) {
	h := htmltemplate.Must(htmltemplate.New("").Funcs(htmltemplate.FuncMap(funcs)).Funcs(htmltemplate.FuncMap{"printf": strings.Repeat}).Parse(contextTemplates))
	_ = h.ExecuteTemplate(new(bytes.Buffer), "main", &contextData{}) // escapes the trees
	if _, err := compileSet(treesOf(h), funcs, nil, "main", reflect.TypeFor[*contextData]()); !errors.Is(err, errDecline) {
		t.Fatalf("printf: got %v, want it declined", err)
	}
	h = htmltemplate.Must(htmltemplate.New("").Funcs(htmltemplate.FuncMap(funcs)).Parse(strings.Replace(contextTemplates, `{{.S | printf "%s"}}`, "", 1)))
	_ = h.ExecuteTemplate(new(bytes.Buffer), "main", &contextData{})
	prog, err := compileSet(treesOf(h), funcs, nil, "main", reflect.TypeFor[*contextData]())
	if err != nil {
		t.Fatal(err)
	}
	e := entry{set: h, name: "main", prog: prog}
	r := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		d := &contextData{S: trickyText(r), T: trickyText(r), N: r.IntN(3) - 1, B: r.IntN(2) == 0,
			H: htmltemplate.HTML(trickyText(r)), U: htmltemplate.URL(trickyText(r))}
		for range r.IntN(3) {
			d.L = append(d.L, trickyText(r))
			d.Items = append(d.Items, contextItem{Name: trickyText(r), Rank: r.IntN(100)})
		}
		compiledMatches(t, e, d, nil)
	}
}

// TestCompileDeclines: what the compiler does not take is left to the
// engine, not compiled differently.
func TestCompileDeclines(t *testing.T) {
	for _, src := range []string{
		`{{$x := .S}}{{$x}}`, `{{index .L 0}}`, `{{range $i, $e := .L}}{{$i}}{{end}}`, `{{.Items}}`, `{{len .L}}`,
		`{{range .L}}{{break}}{{end}}`, `{{.S.Missing}}`, `{{template "nowhere" .}}`, `{{join .S ","}}`, `{{print (and .S .N)}}`,
		`{{1.5}}`, `{{nil}}`, `{{template "main" (and .S .N)}}`, `{{with and .S .N}}x{{end}}`,
	} {
		tt, err := texttemplate.New("main").Funcs(funcs).Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if _, err := compileSet(treesOf(tt), funcs, nil, "main", reflect.TypeFor[*contextData]()); !errors.Is(err, errDecline) {
			t.Errorf("%s: got %v, want it declined", src, err)
		}
	}
}
