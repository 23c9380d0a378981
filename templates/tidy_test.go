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
	for i := range 5000 {
		var b []byte
		for range r.IntN(40) {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		want := tidyTextReference(bytes.Clone(b))
		if got := tidyText(bytes.Clone(b)); !bytes.Equal(got, want) {
			t.Fatalf("case %d, tidyText(%q) = %q, want %q", i, b, got, want)
		}
	}
}
