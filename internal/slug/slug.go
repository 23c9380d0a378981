// Package slug makes topic slugs, the one rule shared by the story store
// (topics stories carry) and the subscriber store (topics readers follow).
package slug

import (
	"strings"
	"unicode"
)

// Make turns a topic name into its stable key: lowercase, Unicode letters
// and digits kept (with the combining marks that follow them, so "हिन्दी"
// stays one word), every other run of characters collapsed to one hyphen,
// no hyphen at either end. "South Korea" -> "south-korea",
// "U.S. & Canada" -> "u-s-canada". Make(Make(x)) == Make(x).
func Make(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	gap := false // a separator is pending
	for _, r := range name {
		keep := unicode.IsLetter(r) || unicode.IsDigit(r) ||
			unicode.IsMark(r) && b.Len() > 0 && !gap
		if !keep {
			gap = b.Len() > 0
			continue
		}
		if gap {
			b.WriteByte('-')
			gap = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
