package email

import (
	"strings"
	"unicode/utf8"
)

// maxWordBytes bounds one encoded-word, so that the first one fits on the
// Subject line itself ("Subject: " and the word within 76 characters): the
// header folds between words and never starts with an empty line.
const maxWordBytes = 60

// encodeSubject returns s as RFC 2047 Q encoded-words when s needs them:
// non-ASCII text, or text that a client would take for an encoded-word
// ("=?…?="), which must be encoded rather than passed through. Plain
// ASCII is returned as it is.
func encodeSubject(s string) string {
	if !needsWords(s) {
		return s
	}
	var words []string
	var cur strings.Builder
	for _, r := range s {
		enc := qRune(r)
		if cur.Len() > 0 && len(wordPrefix)+cur.Len()+len(enc)+len(wordSuffix) > maxWordBytes {
			words = append(words, wordPrefix+cur.String()+wordSuffix)
			cur.Reset()
		}
		cur.WriteString(enc)
	}
	words = append(words, wordPrefix+cur.String()+wordSuffix)
	return strings.Join(words, " ")
}

const (
	wordPrefix = "=?UTF-8?q?"
	wordSuffix = "?="
)

func needsWords(s string) bool {
	if strings.Contains(s, "=?") {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return true
		}
	}
	return false
}

// qRune is r in the Q encoding of an encoded-word in a header: letters,
// digits and a few safe marks as they are, a space as "_", every other
// byte as =XX.
func qRune(r rune) string {
	if r == ' ' {
		return "_"
	}
	if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!*+-/", r)) {
		return string(r)
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	var b strings.Builder
	for _, c := range buf[:n] {
		b.WriteByte('=')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}
