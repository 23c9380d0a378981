// Package display says which characters a one-line field shown to people
// (a subscriber's or team's name, a story's headline, a topic's or an
// outlet's name) must not hold, because they break the line or change how
// the text around them is displayed: control characters (C0, DEL, C1), the
// line and paragraph separators U+2028 and U+2029, and the bidi embeddings,
// overrides and isolates U+202A–U+202E and U+2066–U+2069, which reorder
// what follows them (a name that shows as "moc.elpmaxe@nna", a headline
// whose end reads backwards into the next field). The bidi marks U+200E,
// U+200F and U+061C stay allowed: they only nudge neutral characters, and
// mixed right-to-left text needs them. Subscribers and stories refuse
// these characters in their one-line fields with an error naming the field.
package display

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// bidiNames are the bidi controls refused, by code point.
var bidiNames = map[rune]string{
	'\u202A': "left-to-right embedding",
	'\u202B': "right-to-left embedding",
	'\u202C': "pop directional formatting",
	'\u202D': "left-to-right override",
	'\u202E': "right-to-left override",
	'\u2066': "left-to-right isolate",
	'\u2067': "right-to-left isolate",
	'\u2068': "first strong isolate",
	'\u2069': "pop directional isolate",
}

// Unsafe reports whether r may not appear in a one-line field.
func Unsafe(r rune) bool {
	_, bidi := bidiNames[r]
	return bidi || unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// FirstUnsafe returns the first rune of s that Unsafe refuses.
func FirstUnsafe(s string) (r rune, found bool) {
	i := strings.IndexFunc(s, Unsafe)
	if i < 0 {
		return 0, false
	}
	r, _ = utf8.DecodeRuneInString(s[i:])
	return r, true
}

// Describe names an unsafe rune for an error message, e.g. "bidi control
// U+202E (right-to-left override)".
func Describe(r rune) string {
	switch {
	case r == '\u2028':
		return "line separator U+2028"
	case r == '\u2029':
		return "paragraph separator U+2029"
	case bidiNames[r] != "":
		return fmt.Sprintf("bidi control %U (%s)", r, bidiNames[r])
	}
	return fmt.Sprintf("control character %U", r)
}
