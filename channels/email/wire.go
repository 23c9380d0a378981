package email

import (
	"bytes"
	"slices"
)

// appendWire appends msg to dst as it travels in SMTP: every line ending
// in CRLF, and a last line break if msg lacks one. With dots, as DATA
// carries it (RFC 5321 4.5.2): a line starting with '.' given one more,
// the terminating ".\r\n" not included; for a non-empty msg without a bare
// CR (Compose never writes one) it is what net/textproto's DotWriter sends
// before its terminator, done with bulk copies instead of byte by byte.
// Without, as a BDAT chunk (RFC 3030) carries it.
func appendWire(dst, msg []byte, dots bool) []byte {
	dst = slices.Grow(dst, len(msg)+len(msg)/64+4)
	dst = lines(dst, msg, dots)
	if len(msg) > 0 && msg[len(msg)-1] != '\n' {
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// appendLines is appendWire with dots for a piece of a message that starts a line,
// without the last line break: a last line without one is copied as it
// is, for the next piece to end.
func appendLines(dst, msg []byte) []byte { return lines(dst, msg, true) }

// appendBreaks is appendLines for BDAT: line breaks made CRLF, no dot
// added.
func appendBreaks(dst, msg []byte) []byte { return lines(dst, msg, false) }

func lines(dst, msg []byte, dots bool) []byte {
	for len(msg) > 0 {
		if dots && msg[0] == '.' {
			dst = append(dst, '.')
		}
		i := bytes.IndexByte(msg, '\n')
		if i < 0 {
			return append(dst, msg...)
		}
		line := msg[:i]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		dst = append(append(dst, line...), '\r', '\n')
		msg = msg[i+1:]
	}
	return dst
}

// stuffDots gives the lines of dst[from:], which start a line and end in
// CRLF, that start with '.' one more, as appendLines does; there are none
// unless an extra header's name starts with a dot.
func stuffDots(dst []byte, from int) []byte {
	if len(dst) == from || dst[from] != '.' && !bytes.Contains(dst[from:], []byte("\n.")) {
		return dst
	}
	return append(dst[:from], appendLines(nil, dst[from:])...)
}
