package templates

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// tidyTextReference is tidyText as first written: every line copied.
func tidyTextReference(b []byte) []byte {
	var out []byte
	blank := true
	for _, l := range bytes.Split(b, []byte("\n")) {
		l = bytes.TrimRight(l, " \t")
		if len(l) == 0 {
			if !blank {
				out = append(out, '\n')
			}
			blank = true
			continue
		}
		out = append(append(out, l...), '\n')
		blank = false
	}
	return append(bytes.TrimRight(out, "\n"), '\n')
}

// tidyText works in place; it must give what copying every line gives,
// for text with and without blanks, blank runs, and a last line break.
func TestTidyTextInPlace(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "word", " ", "\t", "\n", "\n\n", "  \n", "ü", "\r"}
	for i := range 20000 {
		var b []byte
		for range r.IntN([]int{10, 40, 200}[i%3]) {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		want := tidyTextReference(bytes.Clone(b))
		if got := tidyText(bytes.Clone(b)); !bytes.Equal(got, want) {
			t.Fatalf("case %d, tidyText(%q) = %q, want %q", i, b, got, want)
		}
	}
}

// A text made of squeezed pieces tidies to what the pieces as they were
// tidy to.
func TestSqueezeKeepsTidyText(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "word", " ", "\t", "\n", "\n\n", "\n\n\n", "  \n", " \t\n\n \n", "ü"}
	piece := func() string {
		var b []byte
		for range r.IntN(12) {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		return string(b)
	}
	for i := range 20000 {
		var text, squeezed []byte
		for range 1 + r.IntN(5) {
			p := piece()
			text, squeezed = append(text, p...), append(squeezed, squeeze(p)...)
		}
		if got, want := tidyText(bytes.Clone(squeezed)), tidyText(bytes.Clone(text)); !bytes.Equal(got, want) {
			t.Fatalf("case %d: %q squeezed to %q tidies to %q, want %q", i, text, squeezed, got, want)
		}
	}
	if got := squeeze("a \n\n\n\nb\t\n"); got != "a\n\nb\n" {
		t.Errorf("squeeze = %q, want %q", got, "a\n\nb\n")
	}
}
