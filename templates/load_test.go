package templates_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"herald/templates"
)

// writeFiles writes name -> content into a new temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestOverrideReplacesDefault(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"subject.txt.tmpl": `[{{.SiteName}}] {{.Subject.Headline}}`,
		"_story.txt.tmpl":  `{{define "story"}}* {{.Headline}}{{"\n"}}{{end}}`,
		"README.md":        "not a template",
	})
	r, err := mustLoad(t, dir).RenderEmail(seedDigest(t, reader()))
	if err != nil {
		t.Fatal(err)
	}
	if want := "[Herald] South Korea rejects US investment terms matching Japan's pledge"; r.Subject != want {
		t.Errorf("subject = %q, want %q", r.Subject, want)
	}
	text := string(r.Text)
	if !strings.Contains(text, "* Japan's exports rise for a third month\n") || strings.Contains(text, "WHAT THE PAPERS SAY") {
		t.Errorf("text part does not use the override story partial:\n%s", text)
	}
	if !strings.Contains(string(r.HTML), "What&#39;s behind the headline") {
		t.Errorf("HTML part lost its default templates")
	}
}

func TestOverrideAddsPartial(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"digest.html.tmpl":  "<!DOCTYPE html>\n<html><body>{{template \"banner\" .}}{{range .Stories}}{{template \"story\" .}}{{end}}</body></html>\n",
		"_banner.html.tmpl": `{{define "banner"}}<p>Hello {{.Reader}}</p>{{end}}`,
	})
	r, err := mustLoad(t, dir).RenderEmail(hostileDigest())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(r.HTML), "<p>Hello Name &lt;script&gt;") {
		t.Errorf("override HTML not used or not escaped:\n%s", r.HTML)
	}
}

func TestLoadFailsOnBrokenTemplates(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // substrings of the error
	}{
		{
			name:  "parse error names file and line",
			files: map[string]string{"digest.html.tmpl": "<!DOCTYPE html>\n<p>\n{{end}}\n</p>\n"},
			want:  []string{"digest.html.tmpl:3:", "templates: parse "},
		},
		{
			name:  "unknown field fails at load",
			files: map[string]string{"digest.txt.tmpl": "line one\nline two\n{{.NoSuchField}}\n"},
			want:  []string{"digest.txt.tmpl:3:", "NoSuchField"},
		},
		{
			name:  "unknown field in a story partial",
			files: map[string]string{"_story.html.tmpl": "{{define \"story\"}}\n<p>{{.Title}}</p>\n{{end}}\n"},
			want:  []string{"_story.html.tmpl:2:", "Title"},
		},
		{
			name:  "unknown function",
			files: map[string]string{"subject.txt.tmpl": "{{shout .SiteName}}"},
			want:  []string{"subject.txt.tmpl:1:", "shout"},
		},
		{
			name:  "html escaping error",
			files: map[string]string{"_frame.html.tmpl": "{{define \"header\"}}\n<a href=\"{{.SiteURL}}\n{{end}}{{define \"footer\"}}{{end}}"},
			want:  []string{"_frame.html.tmpl"},
		},
		{
			name:  "misspelt name",
			files: map[string]string{"digest.htm.tmpl": "{{.SiteName}}"},
			want:  []string{"digest.htm.tmpl", "unknown template"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			_, err := templates.Load(dir, templates.Options{Now: fixedNow})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			msg := err.Error()
			if !strings.Contains(msg, dir) {
				t.Errorf("error %q does not name the override file's path %s", msg, dir)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
		})
	}
}

func TestLoadMissingOverrideDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	if _, err := templates.Load(dir, templates.Options{}); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Load(missing dir) = %v, want an error naming %s", err, dir)
	}
}
