package templates

import (
	"bytes"
	"strings"
)

// tidyText trims trailing blanks from every line, keeps at most one empty
// line in a row and ends the text with one line break, so text templates
// need not count their newlines. It works in b, in place: what it keeps
// are runs of b's own bytes (a line to its last non-blank, its line
// break), moved down in one copy a run (see kept), most text being
// already tidy.
func tidyText(b []byte) []byte {
	var k kept
	blank := true // no blank lines at the start
	for r := 0; r < len(b); {
		end := len(b)
		if i := bytes.IndexByte(b[r:], '\n'); i >= 0 {
			end = r + i
		}
		l := end
		for l > r && (b[l-1] == ' ' || b[l-1] == '\t') {
			l--
		}
		switch {
		case l > r:
			k.keep(b, r, l)
			blank = false
		case blank:
			r = end + 1
			continue
		default:
			blank = true
		}
		if end < len(b) {
			k.keep(b, end, end+1) // the line break
		}
		r = end + 1
	}
	w := k.flush(b)
	for w > 0 && b[w-1] == '\n' {
		w--
	}
	b, w = putNewline(b, w)
	return b[:w]
}

// kept is tidyText's output so far: b[:w], then the run b[from:to] not
// yet moved down to w.
type kept struct{ w, from, to int }

// keep adds b[from:to], after what was kept before, to the output.
func (k *kept) keep(b []byte, from, to int) {
	if from != k.to {
		k.flush(b)
		k.from = from
	}
	k.to = to
}

// flush moves the run down to w and returns the output's length.
func (k *kept) flush(b []byte) int {
	if k.from != k.w {
		copy(b[k.w:], b[k.from:k.to])
	}
	k.w += k.to - k.from
	k.from = k.to
	return k.w
}

// putNewline writes a line break at w: in place, or appended at the end.
func putNewline(b []byte, w int) ([]byte, int) {
	if w < len(b) {
		b[w] = '\n'
	} else {
		b = append(b, '\n')
	}
	return b, w + 1
}

// squeeze is s without what tidyText drops from inside any text: the
// blanks before a line break, and the third and later line breaks in a
// row. So tidyText of a text made of squeezed pieces is tidyText of the
// pieces as they were, and finds less to do: the fast way squeezes the
// text parts it keeps.
func squeeze(s string) string {
	if !strings.Contains(s, " \n") && !strings.Contains(s, "\t\n") && !strings.Contains(s, "\n\n\n") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			b = bytes.TrimRight(b, " \t")
			if n := len(b); n >= 2 && b[n-1] == '\n' && b[n-2] == '\n' {
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}
