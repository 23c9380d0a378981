package templates

import (
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	texttemplate "text/template"
)

//go:embed default/*.tmpl
var defaults embed.FS

// The entry templates.
const (
	htmlEntry    = "digest.html.tmpl"
	textEntry    = "digest.txt.tmpl"
	subjectEntry = "subject.txt.tmpl"
)

// source is one template file: where it came from (shown in errors and
// used as the template's name) and its text.
type source struct {
	path string
	text string
}

// Load parses the default templates, each replaced by the file of the same
// name in overrideDir when there is one ("" for none), and checks every
// template by executing it against a sample digest.
func Load(overrideDir string, opts Options) (*Set, error) {
	files, err := defaultFiles()
	if err != nil {
		return nil, err
	}
	var overrides []string
	if overrideDir != "" {
		if overrides, err = overrideFiles(files, overrideDir); err != nil {
			return nil, err
		}
	}
	s := &Set{opts: opts.withDefaults()}
	if err := s.parse(files); err != nil {
		return nil, err
	}
	if s.frags, err = newFragments(s.html, s.text); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		if len(overrides) > 0 {
			// An escaping error can surface in the template that calls the
			// broken one; name the overrides so the culprit is among them.
			return nil, fmt.Errorf("%w (overrides: %s)", err, strings.Join(overrides, ", "))
		}
		return nil, err
	}
	if s.frags != nil {
		if err := s.verify(); errors.Is(err, errFastDiffers) {
			s.frags = nil
		} else if err != nil {
			return nil, err
		}
	}
	if s.frags != nil {
		if err := s.compile(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func defaultFiles() (map[string]source, error) {
	entries, err := fs.ReadDir(defaults, "default")
	if err != nil {
		return nil, fmt.Errorf("templates: read defaults: %w", err)
	}
	files := map[string]source{}
	for _, e := range entries {
		p := path.Join("default", e.Name())
		b, err := defaults.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("templates: read %s: %w", p, err)
		}
		files[e.Name()] = source{path: p, text: string(b)}
	}
	return files, nil
}

// overrideFiles puts every *.tmpl file of dir into files and returns their
// paths. A file that is neither an entry template nor a partial is an
// error: a misspelt override would otherwise be ignored without a word.
func overrideFiles(files map[string]source, dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("templates: override dir: %w", err)
	}
	var paths []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tmpl") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if kind(e.Name()) == "" {
			return nil, fmt.Errorf("templates: override %s: unknown template (want %s, %s, %s or a partial _*.html.tmpl, _*.txt.tmpl)",
				p, htmlEntry, textEntry, subjectEntry)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("templates: override: %w", err)
		}
		files[e.Name()] = source{path: p, text: string(b)}
		paths = append(paths, p)
	}
	return paths, nil
}

// kind says which set a file belongs to: "html", "text", "subject", or ""
// for none.
func kind(name string) string {
	switch {
	case name == htmlEntry, isPartial(name, ".html.tmpl"):
		return "html"
	case name == textEntry, isPartial(name, ".txt.tmpl"):
		return "text"
	case name == subjectEntry:
		return "subject"
	}
	return ""
}

func isPartial(name, ext string) bool {
	return strings.HasPrefix(name, "_") && strings.HasSuffix(name, ext) && len(name) > 1+len(ext)
}

// parse builds the three template sets from files.
func (s *Set) parse(files map[string]source) error {
	names := slices.Sorted(maps.Keys(files))
	var err error
	if s.html, err = parseHTML(files, names); err != nil {
		return err
	}
	if s.text, err = parseText(files, names, "text", textEntry); err != nil {
		return err
	}
	s.subject, err = parseText(files, names, "subject", subjectEntry)
	return err
}

func parseHTML(files map[string]source, names []string) (entry, error) {
	set := htmltemplate.New("").Funcs(htmltemplate.FuncMap(funcs))
	for _, n := range names {
		if kind(n) != "html" {
			continue
		}
		if _, err := set.New(files[n].path).Parse(files[n].text); err != nil {
			return entry{}, fmt.Errorf("templates: parse %s: %w", files[n].path, err)
		}
	}
	return entry{set: set, name: files[htmlEntry].path, size: new(atomic.Int64)}, nil
}

func parseText(files map[string]source, names []string, k, entryName string) (entry, error) {
	set := texttemplate.New("").Funcs(texttemplate.FuncMap(funcs))
	for _, n := range names {
		if kind(n) != k {
			continue
		}
		if _, err := set.New(files[n].path).Parse(files[n].text); err != nil {
			return entry{}, fmt.Errorf("templates: parse %s: %w", files[n].path, err)
		}
	}
	return entry{set: set, name: files[entryName].path, size: new(atomic.Int64)}, nil
}

// funcs are the functions every template may call.
var funcs = map[string]any{
	"wrap": wrap,
	"hang": hang, "hangAfter": hangAfter,
	"join": strings.Join,
	// The MSO conditional comments of the HTML email: html/template drops
	// comments written in a template, so they come from here.
	"msoOpen":  func() htmltemplate.HTML { return msoOpen },
	"msoClose": func() htmltemplate.HTML { return msoClose },
	"msoHead":  func() htmltemplate.HTML { return msoHead },
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
}

// Outlook for Windows (Word's engine) ignores max-width: a ghost table of
// exactly 600 px, seen only by it, holds the layout at that width.
const (
	msoOpen  = `<!--[if mso]><table role="presentation" width="600" align="center" cellpadding="0" cellspacing="0" border="0"><tr><td width="600"><![endif]-->`
	msoClose = `<!--[if mso]></td></tr></table><![endif]-->`
	msoHead  = `<!--[if mso]><noscript><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml></noscript><![endif]-->`
)

// check renders the sample digests, so that a template that cannot execute
// (an unknown field, a bad call) fails Load.
func (s *Set) check() error {
	for _, d := range sampleDigests() {
		for _, l := range s.emailLayouts() {
			v := s.newView(d, l)
			for _, e := range []entry{s.html, s.text, s.subject} {
				if _, err := e.execute(v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
