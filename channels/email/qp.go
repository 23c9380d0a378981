package email

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// appendQP appends src encoded as quoted-printable to dst, exactly as
// mime/quotedprintable.Writer (not Binary) encodes it when src is written
// and the writer closed, as go-mail does for each body part: lines of at
// most 76 characters with soft breaks, CR, LF and CRLF turned into CRLF,
// trailing blanks of a line encoded. It is that writer's state machine,
// writing into dst's spare capacity rather than flushing each line through
// an io.Writer, copying runs of printable ASCII (found eight bytes at a
// time) whole and encoding runs of other bytes in one loop.
func appendQP(dst, src []byte) []byte {
	return encodeQP(dst, src, false)
}

// appendQPLines is appendQP in its DATA form: a line starting with '.'
// given one more, as appendLines does.
func appendQPLines(dst, src []byte) []byte {
	return encodeQP(dst, src, true)
}

func encodeQP(dst, src []byte, dots bool) []byte {
	dst = slices.Grow(dst, 4*len(src)+16) // 3 bytes an input byte at most, plus soft breaks and dots
	q := qpEncoder{out: dst[len(dst):cap(dst)], dots: dots}
	for n := 0; n < len(src); {
		switch b := src[n]; qpClass[b] {
		case qpEncode:
			n += q.encodeRun(src[n:])
		case qpBreak:
			q.lineBreak(b)
			n++
		default:
			if k := q.plainRun(src[n:]); k > 0 {
				n += k
				continue
			}
			q.plain(b)
			n++
		}
	}
	q.checkLastByte()
	return dst[:len(dst)+q.w]
}

const (
	qpLineMax = 76
	upperhex  = "0123456789ABCDEF"
)

// Byte classes: written as is (printable ASCII but '=', space and tab),
// a line break (CR, LF), or encoded as =XX (the zero value).
const (
	qpEncode byte = iota
	qpPlain
	qpBreak
)

var qpClass = func() (t [256]byte) {
	for b := '!'; b <= '~'; b++ {
		t[b] = qpPlain
	}
	t['='] = qpEncode
	t[' '], t['\t'] = qpPlain, qpPlain
	t['\r'], t['\n'] = qpBreak, qpBreak
	return t
}()

// qpEncoder is the state of appendQP: w bytes written to out, i the length
// of the current line (what the standard writer buffers), cr says the last
// line break was a CR. With dots, a line starting with '.' gets one more,
// not counted in i: SMTP takes it off again.
type qpEncoder struct {
	out  []byte
	w, i int
	cr   bool
	dots bool
}

// dot writes the extra dot before a plain b starting a line.
func (q *qpEncoder) dot(b byte) {
	if b == '.' && q.i == 0 && q.dots {
		q.out[q.w] = '.'
		q.w++
	}
}

// plainRun copies the leading run of src's plain bytes that fits the
// line, and says how many; none when the line is full.
func (q *qpEncoder) plainRun(src []byte) int {
	room := qpLineMax - 1 - q.i
	if room <= 0 {
		return 0
	}
	k := plainPrefix(src[:min(len(src), room)])
	if k > 0 {
		q.dot(src[0])
	}
	q.w += copy(q.out[q.w:], src[:k])
	q.i += k
	q.cr = k == 0 && q.cr
	return k
}

// plain writes a byte that goes as it is, breaking a full line first.
func (q *qpEncoder) plain(b byte) {
	if q.i == qpLineMax-1 {
		q.softBreak()
	}
	q.dot(b)
	q.out[q.w] = b
	q.w++
	q.i++
	q.cr = false
}

// encodeRun encodes the leading run of src's bytes that need it (the
// bytes of a UTF-8 character, say), and says how many.
func (q *qpEncoder) encodeRun(src []byte) int {
	out, w, i := q.out, q.w, q.i
	n := 0
	for ; n < len(src) && qpClass[src[n]] == qpEncode; n++ {
		if i > qpLineMax-4 { // no room for =XX: a soft break first
			copy(out[w:w+3], "=\r\n")
			w, i = w+3, 0
		}
		b := src[n]
		e := out[w : w+3]
		e[0], e[1], e[2] = '=', upperhex[b>>4], upperhex[b&0x0f]
		w, i = w+3, i+3
	}
	q.w, q.i = w, i
	return n
}

// lineBreak writes the CRLF for a CR or LF; an LF after a CR has it.
func (q *qpEncoder) lineBreak(b byte) {
	if q.cr && b == '\n' {
		q.cr = false
		return
	}
	q.cr = b == '\r'
	q.checkLastByte()
	q.crlf()
}

func (q *qpEncoder) encode(b byte) {
	if qpLineMax-1-q.i < 3 {
		q.softBreak()
	}
	q.out[q.w], q.out[q.w+1], q.out[q.w+2] = '=', upperhex[b>>4], upperhex[b&0x0f]
	q.w += 3
	q.i += 3
}

// checkLastByte encodes a space or tab ending the current line.
func (q *qpEncoder) checkLastByte() {
	if q.i == 0 {
		return
	}
	if b := q.out[q.w-1]; b == ' ' || b == '\t' {
		q.w--
		q.i--
		q.encode(b)
	}
}

func (q *qpEncoder) softBreak() {
	q.out[q.w] = '='
	q.w++
	q.i++
	q.crlf()
}

func (q *qpEncoder) crlf() {
	q.out[q.w], q.out[q.w+1] = '\r', '\n'
	q.w += 2
	q.i = 0
}

// plainPrefix is the length of p's leading run of printable ASCII other
// than '=' (space included, tab not): bytes written as they are.
func plainPrefix(p []byte) int {
	n := 0
	for ; n+8 <= len(p); n += 8 {
		if m := notPlain8(binary.LittleEndian.Uint64(p[n:])); m != 0 {
			return n + bits.TrailingZeros64(m)/8
		}
	}
	for n < len(p) && p[n] >= ' ' && p[n] <= '~' && p[n] != '=' {
		n++
	}
	return n
}

// notPlain8 flags the bytes of x (little-endian) that are not in ' '..'~'
// or are '=', in their high bits. A flag can be wrong only above a right
// one (a borrow carries upwards), so the lowest is the first such byte.
func notPlain8(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	low := (x - 0x20*ones) &^ x & highs                      // a byte below 0x20 (or 0x80 and up)
	del := (x ^ 0x7f*ones - ones) &^ (x ^ 0x7f*ones) & highs // a byte equal to 0x7f
	eq := (x ^ '='*ones - ones) &^ (x ^ '='*ones) & highs    // a byte equal to '='
	return (x & highs) | low | del | eq
}
