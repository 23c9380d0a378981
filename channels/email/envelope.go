package email

import (
	"sync"

	"herald/digest"
)

// envelope is one message ready to send: its SMTP envelope and its bytes
// as DATA carries them (dot-stuffed, CRLF, the terminating dot), or, for
// bdat, as one BDAT chunk (CRLF), in a pooled buffer.
type envelope struct {
	msg      *digest.Message
	from     string
	to       []string // rcpt[:]
	rcpt     [1]string
	data     []byte
	buf      *[]byte
	eightBit bool // the bodies are 8bit: only for a server with 8BITMIME
	bdat     bool // data is a BDAT chunk, after cmdRoom bytes of buf: only for a server with CHUNKING
}

// withCommands is the chunk with cmds put in the room before it, for one
// write; nil when they do not fit.
func (e *envelope) withCommands(cmds []byte) []byte {
	if !e.bdat || len(cmds) > cmdRoom {
		return nil
	}
	b := (*e.buf)[cmdRoom-len(cmds) : cmdRoom+len(e.data)]
	copy(b, cmds)
	return b
}

// bufs holds message buffers; one grows to the size of the largest
// message it carried.
var bufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// cmdRoom is the room a BDAT chunk has before it in its buffer, where its
// commands are put to go in the same write (see writeCommands).
const cmdRoom = 1 << 10

// envelope composes msg and puts it in its SMTP DATA form, or as a BDAT
// chunk (after cmdRoom), in a pooled buffer. The caller frees it.
func (s *Sender) envelope(msg *digest.Message, eightBit, bdat bool) (*envelope, error) {
	buf := bufs.Get().(*[]byte)
	head := 0
	if bdat {
		head = cmdRoom
	}
	data, p, eightBit, err := s.data((*buf)[:head], msg, form{eightBit: eightBit, wire: true, bdat: bdat})
	if err != nil {
		bufs.Put(buf)
		return nil, err
	}
	if !bdat {
		data = append(data, ".\r\n"...)
	}
	*buf = data
	e := &envelope{msg: msg, from: p.from.envelope(), data: data[head:], buf: buf, eightBit: eightBit, bdat: bdat}
	e.rcpt[0] = p.to.envelope()
	e.to = e.rcpt[:]
	return e, nil
}

// data appends msg in wire form f (its DATA form but the terminating
// dot, or its BDAT chunk): written so at once, or, when the Sender signs,
// built as it is in a pooled buffer, signed, and then put in form
// (appendWire) after its DKIM-Signature.
func (s *Sender) data(dst []byte, msg *digest.Message, f form) ([]byte, parties, bool, error) {
	if s.cfg.DKIM == nil {
		return appendMessage(dst, msg, s.cfg.From, s.cfg.Hostname, f)
	}
	scratch := bufs.Get().(*[]byte)
	defer bufs.Put(scratch)
	raw, p, eightBit, err := appendMessage((*scratch)[:0], msg, s.cfg.From, s.cfg.Hostname, form{eightBit: f.eightBit})
	*scratch = raw[:0]
	if err != nil {
		return dst, p, false, err
	}
	sig, err := s.cfg.DKIM.Sign(raw)
	if err != nil {
		return dst, p, false, err
	}
	dots := f.dots()
	return appendWire(appendWire(dst, []byte(sig), dots), raw, dots), p, eightBit, nil
}

// forConn returns m ready for connection c: m itself, or m again in
// quoted-printable when its bodies are 8bit and c's server lacks
// 8BITMIME, or in the other wire form when m's is not the one c takes
// (see Sender.chunks).
func (s *Sender) forConn(m *envelope, c *conn) (*envelope, error) {
	bdat := s.chunks(c)
	if (c.ext.eightBit || !m.eightBit) && m.bdat == bdat {
		return m, nil
	}
	again, err := s.envelope(m.msg, m.eightBit && c.ext.eightBit, bdat)
	if err != nil {
		return m, err
	}
	m.free()
	return again, nil
}

// free returns the buffer; the envelope is not used afterwards.
func (e *envelope) free() {
	if e != nil && e.buf != nil {
		bufs.Put(e.buf)
		e.buf, e.data = nil, nil
	}
}
