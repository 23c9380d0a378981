package feeds_test

import (
	"testing"

	"herald/feeds"
)

func TestPlainText(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "Markets & bonds <> rates", "Markets & bonds <> rates"},
		{"entities", "S&amp;P &lt;500&gt; &#8212; up", "S&P <500> — up"},
		{"paragraphs", "<p>One.</p>\n\n<p>Two\n  lines.</p>", "One.\n\nTwo lines."},
		{"br and lists", "a<br>b<ul><li>c</li><li>d</li></ul>", "a\n\nb\n\nc\n\nd"},
		{"inline joins", "un<b>bold</b> <i>it</i>alic", "unbold italic"},
		{"script and style dropped", "<style>p{}</style>ok<script>alert(1)</script>", "ok"},
		{"attributes dropped", `<a href="javascript:x" onclick="y">link</a>`, "link"},
		{"controls", "a\x00b\x07c\u2028d", "a b c d"},
		{"empty", "<p> </p><div></div>", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := feeds.PlainText(c.in); got != c.want {
				t.Errorf("PlainText(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}
