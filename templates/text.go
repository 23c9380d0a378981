package templates

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ellipsis marks text cut short.
const ellipsis = "…"

// maxURLBytes is the longest link a story may carry; a longer one is
// dropped, leaving its text unlinked.
const maxURLBytes = 1000

// maxParagraphs is how many paragraphs one body may show.
const maxParagraphs = 6

// clean makes untrusted text safe to lay out: valid UTF-8, CRLF and CR
// turned into LF, tabs into spaces, other control characters removed.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\r':
			return '\n'
		case r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// oneLine cleans s and folds every run of white space, line breaks
// included, into one space.
func oneLine(s string) string {
	if isOneLine(s) {
		return s
	}
	return strings.Join(strings.Fields(clean(s)), " ")
}

// isOneLine reports ASCII text that oneLine leaves as it is: printable,
// single spaces between words, none at either end.
func isOneLine(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c > '~' || c == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' ') {
			return false
		}
	}
	return true
}

// cut shortens s to at most limit runes, at a word boundary when one is
// near, ending it with "…". It reports whether it cut.
func cut(s string, limit int) (string, bool) {
	if utf8.RuneCountInString(s) <= limit {
		return s, false
	}
	if limit <= 1 {
		return ellipsis, true
	}
	runes := []rune(s)[:limit-1]
	if i := lastSpace(runes); i >= len(runes)*3/4 {
		runes = runes[:i]
	}
	return strings.TrimRightFunc(string(runes), unicode.IsSpace) + ellipsis, true
}

// lastSpace is the index of the last space in runes, or -1.
func lastSpace(runes []rune) int {
	for i := len(runes) - 1; i >= 0; i-- {
		if unicode.IsSpace(runes[i]) {
			return i
		}
	}
	return -1
}

// line is oneLine(s) cut to limit runes.
func line(s string, limit int) string {
	out, _ := cut(oneLine(s), limit)
	return out
}

// paragraphs splits a body on its line breaks into at most maxParagraphs
// trimmed, non-empty paragraphs holding at most limit runes in all; the
// last one kept ends with "…" when the body was longer. It reports whether
// it cut.
func paragraphs(s string, limit int) ([]string, bool) {
	var out []string
	left := limit
	for _, p := range strings.Split(clean(s), "\n") {
		p = strings.Join(strings.Fields(p), " ")
		if p == "" {
			continue
		}
		if len(out) > 0 && (left < 40 || len(out) == maxParagraphs) {
			out[len(out)-1] = markCut(out[len(out)-1])
			return out, true
		}
		p, short := cut(p, left)
		out = append(out, p)
		if short {
			return out, true
		}
		left -= utf8.RuneCountInString(p)
	}
	return out, false
}

// markCut ends p with "…" unless it already does.
func markCut(p string) string {
	if strings.HasSuffix(p, ellipsis) {
		return p
	}
	return p + " " + ellipsis
}

// safeURL returns raw normalised when it is an absolute http or https URL
// with a host, and "" otherwise, so a story can never link to javascript:
// or data: anywhere.
func safeURL(raw string) string {
	if len(raw) > maxURLBytes {
		return ""
	}
	if plainURL(raw) {
		return raw
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil {
		return ""
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	return u.String()
}

// plainURL reports an http(s) URL that safeURL would give back as it is
// without parsing it: a lower-case scheme, a host of letters, digits, '-'
// and '.' (no port, no user), then only letters, digits and -._~/?=&: (no
// escapes, no fragment): the links Herald signs for every email.
func plainURL(raw string) bool {
	rest, ok := strings.CutPrefix(raw, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(raw, "http://"); !ok {
			return false
		}
	}
	host, path := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	return host != "" && isAlnum(host[0]) && only(host, "-.") && only(path, "-._~/?=&:")
}

// only reports s made of letters, digits and the bytes of also.
func only(s, also string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && strings.IndexByte(also, c) < 0 {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// wrap breaks one paragraph into lines of at most width runes, each
// starting with indent. A word longer than a line (a URL) gets a line of its
// own rather than being broken.
func wrap(width int, indent, s string) string {
	return hang(width, indent, indent, s)
}

// hang is wrap with a different prefix on the first line, for list items:
// hang(78, "- ", "  ", s).
func hang(width int, first, rest, s string) string {
	return hangFrom(width, 0, first, rest, s)
}

// hangAfter is hang for a first line that already holds used runes
// printed before it (a list number kept apart): hangAfter(76, 3, "   ", s)
// after "1. " wraps as hang(76, "1. ", "   ", s) does.
func hangAfter(width, used int, rest, s string) string {
	return hangFrom(width, used, "", rest, s)
}

// hangFrom is hang with used runes on the first line before first.
func hangFrom(width, used int, first, rest, s string) string {
	var b strings.Builder
	b.Grow(len(first) + len(s) + (len(s)/max(width/2, 1)+1)*(len(rest)+1))
	prefix, n := first, 0 // n: runes on the current line, 0 when empty
	for {
		w, wn, after := nextField(s)
		if w == "" {
			break
		}
		s = after
		if n > 0 && n+1+wn > width {
			b.WriteByte('\n')
			prefix, n = rest, 0
		}
		if n == 0 {
			b.WriteString(prefix)
			n, used = used+utf8.RuneCountInString(prefix), 0
		} else {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += wn
	}
	return b.String()
}

// nextField returns the first field of s as strings.Fields splits s (runs
// of characters other than unicode.IsSpace), its length in runes, and what
// follows it; "" when s has no more fields. hang walks its text with it
// rather than building the slice of all fields.
func nextField(s string) (field string, runes int, rest string) {
	i := 0
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if !asciiSpace[c] {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += size
	}
	j := i
	for j < len(s) {
		if c := s[j]; c < utf8.RuneSelf {
			if asciiSpace[c] {
				break
			}
			j, runes = j+1, runes+1
			continue
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if unicode.IsSpace(r) {
			break
		}
		j, runes = j+size, runes+1
	}
	return s[i:j], runes, s[j:]
}

// asciiSpace is unicode.IsSpace for ASCII.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}
