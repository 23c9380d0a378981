package templates

import (
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCut(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  string
		cut   bool
	}{
		{"short", "Japan votes", 20, "Japan votes", false},
		{"exact", "Japan", 5, "Japan", false},
		{"word boundary", "Japan votes in a snap election", 20, "Japan votes in a…", true},
		{"long word", strings.Repeat("x", 30), 10, strings.Repeat("x", 9) + "…", true},
		{"runes not bytes", "日本語のテキストです", 5, "日本語の…", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := cut(tt.in, tt.limit)
			if got != tt.want || cut != tt.cut {
				t.Errorf("cut(%q, %d) = %q, %v; want %q, %v", tt.in, tt.limit, got, cut, tt.want, tt.cut)
			}
			if utf8.RuneCountInString(got) > tt.limit {
				t.Errorf("cut returned %d runes, limit %d", utf8.RuneCountInString(got), tt.limit)
			}
		})
	}
}

func TestParagraphs(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  []string
		cut   bool
	}{
		{"CRLF and blank lines", "One.\r\n\r\n  Two  words.\rThree.\n", 100, []string{"One.", "Two words.", "Three."}, false},
		{"controls dropped", "A\x00B\x1b\tC", 100, []string{"AB C"}, false},
		{"cut in a paragraph", "First paragraph here.\nSecond paragraph is much longer than the limit allows.", 70, []string{"First paragraph here.", "Second paragraph is much longer than the limit…"}, true},
		{"no stub paragraph", "First paragraph here.\nSecond.", 50, []string{"First paragraph here. …"}, true},
		{"empty", " \n\n ", 100, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := paragraphs(tt.in, tt.limit)
			if !slices.Equal(got, tt.want) || cut != tt.cut {
				t.Errorf("paragraphs(%q) = %q, %v; want %q, %v", tt.in, got, cut, tt.want, tt.cut)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	long := "https://news.example.com/" + strings.Repeat("a", 80)
	tests := []struct {
		name          string
		first, rest   string
		in            string
		want          string
		width         int
		allowOverlong bool
	}{
		{name: "fits", in: "one two three", want: "one two three", width: 20},
		{name: "breaks", in: "one two three four", want: "one two\nthree four", width: 10},
		{name: "hanging", first: "- ", rest: "  ", in: "one two three four", want: "- one two\n  three\n  four", width: 10},
		{name: "long word alone", in: "see " + long + " now", want: "see\n" + long + "\nnow", width: 78, allowOverlong: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hang(tt.width, tt.first, tt.rest, tt.in)
			if got != tt.want {
				t.Errorf("hang = %q, want %q", got, tt.want)
			}
			for _, l := range strings.Split(got, "\n") {
				if utf8.RuneCountInString(l) > tt.width && !tt.allowOverlong {
					t.Errorf("line %q longer than %d", l, tt.width)
				}
			}
		})
	}
}

func TestSafeURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://news.example.com/a?b=c", "https://news.example.com/a?b=c"},
		{" http://news.example.com/ ", "http://news.example.com/"},
		{"javascript:alert(1)", ""},
		{"JAVASCRIPT:alert(1)", ""},
		{"data:text/html,<script>", ""},
		{"//news.example.com/a", ""},
		{"/relative", ""},
		{"https://user:pass@news.example.com/", ""},
		{"https://news.example.com/\n", "https://news.example.com/"},
		{"https://news.example.com/" + strings.Repeat("a", 3000), ""},
	}
	for _, tt := range tests {
		if got := safeURL(tt.in); got != tt.want {
			t.Errorf("safeURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFitMrkdwn(t *testing.T) {
	got := fitMrkdwn(strings.Repeat("<", 100), 21)
	if got != strings.Repeat("&lt;", 5)+"…" {
		t.Errorf("fitMrkdwn = %q", got)
	}
	if got := fitMrkdwn("short & sweet", 100); got != "short &amp; sweet" {
		t.Errorf("fitMrkdwn = %q", got)
	}
	if got := fitMrkdwn("anything", 0); got != "" {
		t.Errorf("fitMrkdwn(limit 0) = %q, want empty", got)
	}
}

func TestNextFieldSplitsLikeFields(t *testing.T) {
	tests := []string{"", "   ", "one", " two  words\t", "a\u00a0b\u0085c d\u3000e", "日本 語\u2028x", " \u00a0 \u3000\tx \u0085 y", "bad\xffutf8 x", "\v\fx\r\ny "}
	for _, s := range tests {
		var got []string
		for rest := s; ; {
			w, runes, after := nextField(rest)
			if w == "" {
				break
			}
			if n := utf8.RuneCountInString(w); runes != n {
				t.Errorf("nextField(%q) counts %d runes in %q, want %d", rest, runes, w, n)
			}
			got, rest = append(got, w), after
		}
		if want := strings.Fields(s); !slices.Equal(got, want) {
			t.Errorf("fields of %q = %q, want %q", s, got, want)
		}
	}
}

// oneLine's fast path (isOneLine) gives what the full cleaning gives.
func TestOneLineFastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	bits := []string{"a", "B", " ", "  ", "\t", "\n", "\r\n", "\x00", "\x7f", "~", "é", "\u00a0", "\xff", "x y"}
	for range 5000 {
		var b strings.Builder
		for range r.IntN(6) {
			b.WriteString(bits[r.IntN(len(bits))])
		}
		s := b.String()
		if got, want := oneLine(s), strings.Join(strings.Fields(clean(s)), " "); got != want {
			t.Fatalf("oneLine(%q) = %q, want %q", s, got, want)
		}
	}
}

// safeURL's fast path (plainURL) gives what parsing gives.
func TestSafeURLFastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	bits := []string{"https://", "http://", "HTTPS://", "a", "Z", "0", "-", ".", "_", "~", "/", "?", "=", "&", ":", "@", "%", "#", " ", "é", "[", "]"}
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(8) {
			b.WriteString(bits[r.IntN(len(bits))])
		}
		s := b.String()
		if !plainURL(s) {
			continue
		}
		u, err := url.Parse(s)
		want := ""
		if err == nil && u.Host != "" && u.User == nil && (u.Scheme == "http" || u.Scheme == "https") {
			want = u.String()
		}
		if want != s {
			t.Fatalf("plainURL(%q) but parsed it is %q", s, want)
		}
	}
}
