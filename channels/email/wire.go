package email

import (
	"bytes"
	"slices"
)

// appendWire appends msg to dst as it travels in SMTP DATA (RFC 5321
// 4.5.2): every line ending in CRLF, a line starting with '.' given one
// more, and a last line break if msg lacks one; the terminating ".\r\n" is
// not included. For a non-empty msg without a bare CR (Compose never writes
// one) it is what net/textproto's DotWriter sends before its terminator,
// done with bulk copies instead of byte by byte.
func appendWire(dst, msg []byte) []byte {
	dst = slices.Grow(dst, len(msg)+len(msg)/64+4)
	atLineStart := true
	for len(msg) > 0 {
		if atLineStart && msg[0] == '.' {
			dst = append(dst, '.')
		}
		i := bytes.IndexByte(msg, '\n')
		if i < 0 {
			dst = append(dst, msg...)
			dst = append(dst, '\r', '\n')
			return dst
		}
		line := msg[:i]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		dst = append(dst, line...)
		dst = append(dst, '\r', '\n')
		msg = msg[i+1:]
		atLineStart = true
	}
	return dst
}
