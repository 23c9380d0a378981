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
	return string(appendSubject(nil, s))
}

// appendSubject appends encodeSubject(s) to dst: words of at most
// maxWordBytes, a space between them.
func appendSubject(dst []byte, s string) []byte {
	if !needsWords(s) {
		return append(dst, s...)
	}
	dst = append(dst, wordPrefix...)
	word := len(dst)
	for _, r := range s {
		var buf [3 * utf8.UTFMax]byte
		enc := appendQRune(buf[:0], r)
		if len(dst) > word && len(wordPrefix)+len(dst)-word+len(enc)+len(wordSuffix) > maxWordBytes {
			dst = append(append(dst, wordSuffix+" "...), wordPrefix...)
			word = len(dst)
		}
		dst = append(dst, enc...)
	}
	return append(dst, wordSuffix...)
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

// appendQRune appends r in the Q encoding of an encoded-word in a header:
// letters, digits and a few safe marks as they are, a space as "_", every
// other byte as =XX.
func appendQRune(dst []byte, r rune) []byte {
	if r == ' ' {
		return append(dst, '_')
	}
	if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!*+-/", r)) {
		return append(dst, byte(r))
	}
	var buf [utf8.UTFMax]byte
	for _, c := range buf[:utf8.EncodeRune(buf[:], r)] {
		dst = append(dst, '=', upperhex[c>>4], upperhex[c&15])
	}
	return dst
}
