package email

import (
	"encoding/binary"
	"slices"
)

// appendQP appends src encoded as quoted-printable to dst, exactly as
// mime/quotedprintable.Writer (not Binary) encodes it when src is written
// and the writer closed, as go-mail does for each body part: lines of at
// most 76 characters with soft breaks, CR, LF and CRLF turned into CRLF,
// trailing blanks of a line encoded. It is that writer's state machine,
// writing into dst's spare capacity rather than flushing each line through
// an io.Writer, and copying runs of printable ASCII (found eight bytes at a
// time) whole.
func appendQP(dst, src []byte) []byte {
	dst = slices.Grow(dst, 4*len(src)+16) // 3 bytes an input byte at most, plus soft breaks
	q := qpEncoder{out: dst[len(dst):cap(dst)]}
	for n := 0; n < len(src); {
		if room := qpLineMax - 1 - q.i; room > 0 { // copy a run of plain bytes that fits the line
			if k := plainPrefix(src[n:min(len(src), n+room)]); k > 0 {
				q.w += copy(q.out[q.w:], src[n:n+k])
				q.i += k
				q.cr = false
				n += k
				continue
			}
		}
		b := src[n]
		n++
		switch qpClass[b] {
		case qpPlain:
			if q.i == qpLineMax-1 {
				q.softBreak()
			}
			q.out[q.w] = b
			q.w++
			q.i++
			q.cr = false
		case qpBreak:
			if q.cr && b == '\n' { // the CRLF is already written
				q.cr = false
				continue
			}
			q.cr = b == '\r'
			q.checkLastByte()
			q.crlf()
		default:
			q.encode(b)
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
// line break was a CR.
type qpEncoder struct {
	out  []byte
	w, i int
	cr   bool
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
		if !plain8(binary.LittleEndian.Uint64(p[n:])) {
			break
		}
	}
	for n < len(p) && p[n] >= ' ' && p[n] <= '~' && p[n] != '=' {
		n++
	}
	return n
}

// plain8 reports whether all eight bytes of x are in ' '..'~' and not '='.
func plain8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	low := (x - 0x20*ones) &^ x & highs                      // a byte below 0x20 (or 0x80 and up)
	del := (x ^ 0x7f*ones - ones) &^ (x ^ 0x7f*ones) & highs // a byte equal to 0x7f
	eq := (x ^ '='*ones - ones) &^ (x ^ '='*ones) & highs    // a byte equal to '='
	return (x&highs)|low|del|eq == 0
}
