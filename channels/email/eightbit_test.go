package email

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestEightBitHTML(t *testing.T) {
	words := strings.Repeat("Seoul cannot accept the same terms as Japan — 日本. ", 40)
	tests := []struct {
		name   string
		html   string
		ok     bool
		folded bool
	}{
		{"short lines stay", "<p>short</p>\n<p>lines</p>\n", true, false},
		{"long paragraph folds", `<p style="margin:0 0 12px 0;color:#1f1f1f;">` + words + "</p>\n", true, true},
		{"long tag does not fold inside", `<a href="https://x.example/" title="` + strings.Repeat("a b ", 300) + `">x</a>`, false, false},
		{"long word", "<p>" + strings.Repeat("x", 1200) + "</p>", false, false},
		{"pre keeps its lines", "<pre>" + words + "</pre>", false, false},
		{"white-space set", `<p style="white-space:pre-wrap">` + words + "</p>", false, false},
		{"style block then long text folds", "<style>p { margin: 0 }</style>\n<p>" + words + "</p>", true, true},
		{"NUL", "<p>a\x00b</p>", false, false},
		{"bare CR", "<p>a\rb</p>", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := eightBitHTML([]byte(tt.html))
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if n := longestLine(got); n > maxLine {
				t.Errorf("longest line %d bytes, want at most %d", n, maxLine)
			}
			if folded := !bytes.Equal(got, []byte(tt.html)); folded != tt.folded {
				t.Errorf("folded = %v, want %v", folded, tt.folded)
			}
			if back := strings.ReplaceAll(string(got), "\r\n", " "); back != tt.html {
				t.Errorf("unfolding does not give the page back:\n%s", back)
			}
		})
	}
}

func TestEightBitText(t *testing.T) {
	tests := []struct {
		name, text string
		ok         bool
	}{
		{"wrapped text", "Hello\n\n" + strings.Repeat("word ", 15) + "\n", true},
		{"crlf", "a\r\nb\r\n", true},
		{"long URL line", "https://x.example/" + strings.Repeat("p", 1000) + "\n", false},
		{"bare CR", "a\rb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := eightBitText([]byte(tt.text)); ok != tt.ok {
				t.Errorf("ok = %v, want %v", ok, tt.ok)
			}
		})
	}
}

// longestLine is the length of b's longest line, without its line break.
func longestLine(b []byte) int {
	longest := 0
	for line := range bytes.Lines(b) {
		longest = max(longest, len(bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))))
	}
	return longest
}

// linesFit agrees with the longest line, line by line, on lines around the
// limit with LF, CR LF and a last line without a break.
func TestLinesFit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const limit = 20
	for range 20000 {
		var b []byte
		for range rng.IntN(8) {
			b = append(b, bytes.Repeat([]byte("x"), rng.IntN(limit+4))...)
			switch rng.IntN(4) {
			case 0:
				b = append(b, '\r', '\n')
			case 1:
				b = append(b, '\r')
			default:
				b = append(b, '\n')
			}
		}
		if got, want := linesFit(b, limit), longestLine(b) <= limit; got != want {
			t.Fatalf("linesFit(%q, %d) = %v, longest line %d", b, limit, got, longestLine(b))
		}
	}
}
