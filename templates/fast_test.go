package templates

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"herald/digest"
	"herald/stories"
	"herald/subscribers"
)

func TestFastWayOnForDefaults(t *testing.T) {
	s, err := Load("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.frags == nil {
		t.Fatal("default templates render the plain way")
	}
	for p, e := range s.frags.plain {
		if e == nil {
			t.Errorf("part %s (html %v) is not rendered ahead", parts[p].name, parts[p].html)
		}
	}
	if s.frags.skel[0] == nil || s.frags.skel[1] == nil {
		t.Errorf("the default stories do not render by skeleton (HTML %v, text %v)", s.frags.skel[0] != nil, s.frags.skel[1] != nil)
	}
	// The contents list and the stories, in the HTML and the text email.
	if len(s.frags.ranges) != 4 {
		t.Errorf("%d ranges over the stories flattened, want 4", len(s.frags.ranges))
	}
}

// Digests of every shape render to the same bytes with kept story parts
// as with the templates alone, the first time and from the cache.
func TestFastWayMatchesTemplates(t *testing.T) {
	fast, err := Load("", Options{SiteURL: "https://news.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	if fast.frags == nil {
		t.Fatal("the fast way is off for the defaults: Load's check found it rendering differently")
	}
	plain := *fast
	plain.frags = nil
	r := rand.New(rand.NewPCG(7, 8))
	pool := randomStories(r, 30)
	for i := range 300 {
		d := randomDigest(r, pool, i)
		want, err := plain.RenderEmail(d)
		if err != nil {
			t.Fatal(err)
		}
		for pass := range 2 {
			got, err := fast.RenderEmail(d)
			if err != nil {
				t.Fatal(err)
			}
			if got.Subject != want.Subject || got.Preheader != want.Preheader ||
				!bytes.Equal(got.Text, want.Text) || !bytes.Equal(got.HTML, want.HTML) {
				t.Fatalf("digest %d (pass %d) differs:\n--- fast\n%s\n--- templates\n%s", i, pass, got.Text, want.Text)
			}
		}
	}
}

func randomStories(r *rand.Rand, n int) []*stories.Story {
	words := []string{"Seoul", "Japan", "<b>bold</b>", "&amp;", "日本", "\"quoted\"", "pledge", "talks", "a", "—"}
	text := func(k int) string {
		var b bytes.Buffer
		for j := range k {
			if j > 0 {
				b.WriteString([]string{" ", " ", " ", "\n", "\n\n"}[r.IntN(5)])
			}
			b.WriteString(words[r.IntN(len(words))])
		}
		return b.String()
	}
	var out []*stories.Story
	for i := range n {
		st := &stories.Story{ID: fmt.Sprintf("r%d", i), Headline: text(3 + r.IntN(30)), Summary: text(5 + r.IntN(400)),
			PublishedAt: time.Date(2026, 11, 28, r.IntN(24), r.IntN(60), 0, 0, time.UTC)}
		if r.IntN(4) > 0 {
			st.URL = fmt.Sprintf("https://news.example.com/%d?a=1&b=<2>", i)
		}
		for range r.IntN(4) {
			st.Analysis = append(st.Analysis, stories.Analysis{Heading: text(4), Body: text(10 + r.IntN(200))})
		}
		for k := range r.IntN(5) {
			st.Sources = append(st.Sources, stories.Source{Outlet: text(2), URL: []string{"", "https://outlet.example/x"}[k%2], Summary: text(r.IntN(80))})
		}
		if r.IntN(2) == 0 {
			st.Background = text(r.IntN(150))
		}
		for range r.IntN(3) {
			st.Questions = append(st.Questions, stories.Question{Question: text(6), Answer: text(r.IntN(60))})
		}
		for k := range 1 + r.IntN(3) {
			st.Topics = append(st.Topics, stories.Topic{Slug: fmt.Sprintf("t%d", k), Name: text(1 + r.IntN(3))})
		}
		out = append(out, st)
	}
	return out
}

func randomDigest(r *rand.Rand, pool []*stories.Story, i int) *digest.Digest {
	zones := []string{"UTC", "Asia/Seoul", "America/New_York", "Europe/London", ""}
	sub := &subscribers.Subscriber{ID: fmt.Sprint("sub", i), Kind: subscribers.KindEmail, Email: "r@example.com",
		Name: []string{"", "Ana", "<Ana & co>"}[r.IntN(3)], TimeZone: zones[r.IntN(len(zones))],
		Topics: []string{"t0", "t1", "t2", "t9"}[:1+r.IntN(4)]}
	end := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	d := &digest.Digest{Subscriber: sub, Window: digest.Window{Start: end.Add(-24 * time.Hour), End: end}, More: r.IntN(3) * r.IntN(20)}
	if r.IntN(3) > 0 {
		d.Links = digest.Links{Site: "https://news.example.com/", Unsubscribe: "https://h.example/u/" + sub.ID,
			Preferences: "https://h.example/p/" + sub.ID, Mailto: "mailto:u@example.com?subject=" + sub.ID}
	}
	for range r.IntN(13) {
		st := pool[r.IntN(len(pool))]
		d.Items = append(d.Items, digest.Item{Story: st, Matched: st.Topics[:1+r.IntN(len(st.Topics))]})
	}
	return d
}

// With overrides the fast way renders what the templates do: only the
// parts it can (the text set's, when the HTML story has none), or none
// when a part depends on more than its key or is called where it would be
// escaped otherwise than alone.
// plainStory is a story template for overrides of the frame's templates.
const plainStory = `{{define "story"}}<tr><td>{{template "story-body" .}}</td></tr>{{end}}{{define "story-body"}}<p>{{.Headline}}</p>{{end}}`

func TestFastWayWithOverrides(t *testing.T) {
	tests := []struct {
		name  string
		story string
		off   bool
	}{
		{"HTML story without parts", `{{define "story"}}<tr><td>{{.Headline}}</td></tr>{{end}}`, false},
		{"HTML story doing more than its parts", `{{define "story"}}<tr><td>{{.Rank}}{{template "story-body" .}}</td></tr>{{end}}` +
			`{{define "story-body"}}<p>{{.Headline}}</p>{{end}}`, false},
		{"body depends on the reader", `{{define "story"}}<tr><td>{{template "story-body" .}}</td></tr>{{end}}` +
			`{{define "story-body"}}<p>{{.Published}}</p>{{end}}`, true},
		{"topics depend on the story", `{{define "story"}}<tr><td>{{template "story-topics" .}}</td></tr>{{end}}` +
			`{{define "story-topics"}}<p>{{.Headline}}: {{range .Topics}}{{.}}{{end}}</p>{{end}}`, true},
		{"body in a script", `{{define "story"}}<tr><td><script>var h = {{template "story-body" .}};</script></td></tr>{{end}}` +
			`{{define "story-body"}}{{.Headline}}{{end}}`, true},
		{"contents doing more than its parts", `{{define "contents"}}<tr><td>{{range .Stories}}<p>{{.Rank}}</p>{{template "entry" .}}{{end}}</td></tr>{{end}}` + plainStory, false},
		{"stories ranged in a textarea", `{{define "contents"}}<tr><td><textarea>{{range .Stories}}{{template "entry" .}}{{end}}</textarea></td></tr>{{end}}` + plainStory, true},
	}
	r := rand.New(rand.NewPCG(9, 10))
	pool := randomStories(r, 20)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "_story.html.tmpl"), []byte(tt.story), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Load(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if off := s.frags == nil; off != tt.off {
				t.Fatalf("fast way off = %v, want %v", off, tt.off)
			}
			for i := range 50 {
				got, want := renderBothWays(t, s, randomDigest(r, pool, i))
				if !bytes.Equal(got.HTML, want.HTML) || !bytes.Equal(got.Text, want.Text) {
					t.Fatalf("digest %d differs from the templates' rendering", i)
				}
			}
		})
	}
}

// TestStoryKeptAtFirstSightWhileThereIsRoom: a story's view is kept the
// first time while the cache has room; once it is full, a new story is
// kept only the second time it is rendered, pushing another out.
func TestStoryKeptAtFirstSightWhileThereIsRoom(t *testing.T) {
	f := &fragments{cache: map[fragKey]StoryView{}, seen: map[fragKey]bool{}}
	first := fragKey{st: &stories.Story{ID: "first"}}
	f.put(first, StoryView{Headline: "first"})
	if _, ok := f.cache[first]; !ok {
		t.Fatal("a story rendered once into an empty cache was not kept")
	}
	f.bytes = maxFragmentBytes // full
	next := fragKey{st: &stories.Story{ID: "next"}}
	f.put(next, StoryView{Headline: "next"})
	if _, ok := f.cache[next]; ok || !f.seen[next] {
		t.Fatalf("into a full cache a story was kept at first sight (kept %v, seen %v)", ok, f.seen[next])
	}
	f.put(next, StoryView{Headline: "next"})
	_, kept := f.cache[next]
	if _, old := f.cache[first]; !kept || old {
		t.Fatalf("the second time: new story kept %v, old one still kept %v", kept, old)
	}
}

// A story matched by other topics of the same number, named by slug or by
// name, renders its own topics from its kept entries, as the templates do.
func TestStoryEntriesByMatchedTopics(t *testing.T) {
	fast, err := Load("", Options{SiteURL: "https://news.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	st := &stories.Story{ID: "s1", Headline: "Talks resume", Summary: "Both sides met.", URL: "https://news.example.com/s1",
		PublishedAt: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC),
		Topics:      []stories.Topic{{Slug: "japan"}, {Slug: "south-korea"}, {Slug: "trade", Name: "Japan"}}}
	for i, matched := range [][]stories.Topic{st.Topics[:1], st.Topics[1:2], st.Topics[2:3], st.Topics[:1]} {
		sub := &subscribers.Subscriber{ID: "sub", Kind: subscribers.KindEmail, Email: "r@example.com", Topics: []string{matched[0].Slug}}
		d := &digest.Digest{Subscriber: sub, Items: []digest.Item{{Story: st, Matched: matched}},
			Window: digest.Window{End: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)}}
		got, want := renderBothWays(t, fast, d)
		if !bytes.Equal(got.HTML, want.HTML) || !bytes.Equal(got.Text, want.Text) {
			t.Fatalf("digest %d (matched %v) differs:\n--- fast\n%s\n--- templates\n%s", i, matched, got.Text, want.Text)
		}
	}
}

// renderBothWays renders d with s (the fast way, when s has it), then with
// s's templates alone.
func renderBothWays(t *testing.T, s *Set, d *digest.Digest) (fast, plain *digest.Rendered) {
	t.Helper()
	fast, err := s.RenderEmail(d)
	if err != nil {
		t.Fatal(err)
	}
	templatesOnly := *s
	templatesOnly.frags = nil
	if plain, err = templatesOnly.RenderEmail(d); err != nil {
		t.Fatal(err)
	}
	return fast, plain
}
