package email

import (
	"bytes"
)

// 8bit bodies (Config.EightBit). A server that announces 8BITMIME (RFC
// 6152) takes UTF-8 bodies as they are, so nothing is encoded, as long as
// no line is longer than 998 bytes and there is no NUL and no bare CR. Text
// from the templates is wrapped at 78 columns; HTML is not, so a long HTML
// line is folded at a space between words (outside any tag), where a line
// break reads the same to a browser. Anything else (a long word, a long
// line in a <pre>, <textarea>, <script> or <style>, or a page that sets
// white-space) keeps the message quoted-printable.

// maxLine is the longest line sent 8bit, below RFC 5322's 998 bytes to
// leave room for dot-stuffing.
const maxLine = 990

// eightBitText returns text as it can travel 8bit, and false when it must
// be encoded.
func eightBitText(text []byte) ([]byte, bool) {
	if !clean8(text) {
		return nil, false
	}
	return text, linesFit(text, maxLine)
}

// eightBitHTML returns html as it can travel 8bit, its long lines folded,
// and false when it must be encoded.
func eightBitHTML(html []byte) ([]byte, bool) {
	if !clean8(html) {
		return nil, false
	}
	if linesFit(html, maxLine) {
		return html, true
	}
	if bytes.Contains(bytes.ToLower(html), []byte("white-space")) {
		return nil, false
	}
	return foldHTML(html)
}

// clean8 reports no NUL and no CR but in CRLF.
func clean8(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	for i := bytes.IndexByte(b, '\r'); i >= 0; {
		if i+1 == len(b) || b[i+1] != '\n' {
			return false
		}
		j := bytes.IndexByte(b[i+1:], '\r')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return true
}

// linesFit reports whether no line of b is longer than limit bytes, its
// line break not counted. It looks at a window a line may fill at most
// (limit bytes and a CR LF) and jumps to its last line break, so it costs
// a call a window rather than one a line.
func linesFit(b []byte, limit int) bool {
	for len(b) > limit {
		w := b[:min(len(b), limit+2)]
		i := bytes.LastIndexByte(w, '\n')
		if i < 0 { // one line left: it fits only as limit bytes and a CR
			return len(b) == limit+1 && b[limit] == '\r'
		}
		// Every line ending in w is at most limit long but the first, when
		// its break is w's last byte without a CR before it.
		if i == limit+1 && b[limit] != '\r' && bytes.IndexByte(w[:i], '\n') < 0 {
			return false
		}
		b = b[i+1:]
	}
	return true
}

// rawText are the elements whose text is taken as it is.
var rawText = [][]byte{[]byte("pre"), []byte("textarea"), []byte("script"), []byte("style")}

// foldHTML breaks every line longer than maxLine at its last space outside
// a tag (and outside raw-text elements) before the limit.
func foldHTML(html []byte) ([]byte, bool) {
	out := make([]byte, 0, len(html)+len(html)/64)
	var inTag bool
	var raw []byte // the raw-text element we are in, nil when none
	lineStart, lastSpace := 0, -1
	for i := 0; i < len(html); i++ {
		switch c := html[i]; {
		case c == '\n':
			lineStart, lastSpace = len(out)+1, -1
		case c == '<':
			inTag = true
			raw = rawTag(html[i+1:], raw)
		case c == '>':
			inTag = false
		case c == ' ' && !inTag && raw == nil:
			lastSpace = len(out)
		}
		out = append(out, html[i])
		if len(out)-lineStart > maxLine {
			if lastSpace < lineStart {
				return nil, false
			}
			out = append(out[:lastSpace], append([]byte("\r\n"), out[lastSpace+1:]...)...)
			lineStart, lastSpace = lastSpace+2, -1
		}
	}
	return out, true
}

// rawTag follows raw-text elements: after a '<', rest starting a raw-text
// element opens it; within one, only its end tag closes it.
func rawTag(rest, raw []byte) []byte {
	if raw != nil {
		if len(rest) > len(raw) && rest[0] == '/' && bytes.EqualFold(rest[1:1+len(raw)], raw) {
			return nil
		}
		return raw
	}
	for _, name := range rawText {
		if len(rest) > len(name) && bytes.EqualFold(rest[:len(name)], name) && !isNameByte(rest[len(name)]) {
			return name
		}
	}
	return nil
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}
