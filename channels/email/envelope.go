package email

import (
	"sync"

	"herald/digest"
)

// envelope is one message ready to send: its SMTP envelope and its bytes
// as DATA carries them (dot-stuffed, CRLF, the terminating dot), in a
// pooled buffer.
type envelope struct {
	msg      *digest.Message
	from     string
	to       []string // rcpt[:]
	rcpt     [1]string
	data     []byte
	buf      *[]byte
	eightBit bool // the bodies are 8bit: only for a server with 8BITMIME
}

// bufs holds message buffers; one grows to the size of the largest
// message it carried.
var bufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// envelope composes msg and puts it in its SMTP DATA form in a pooled
// buffer. The caller frees it.
func (s *Sender) envelope(msg *digest.Message, eightBit bool) (*envelope, error) {
	buf := bufs.Get().(*[]byte)
	data, p, eightBit, err := s.data((*buf)[:0], msg, eightBit)
	if err != nil {
		bufs.Put(buf)
		return nil, err
	}
	*buf = append(data, ".\r\n"...)
	e := &envelope{msg: msg, from: p.from.envelope(), data: *buf, buf: buf, eightBit: eightBit}
	e.rcpt[0] = p.to.envelope()
	e.to = e.rcpt[:]
	return e, nil
}

// data appends msg in its DATA form, but the terminating dot: written so
// at once, or, when the Sender signs, built as it is in a pooled buffer,
// signed, and then dot-stuffed (appendWire) after its DKIM-Signature.
func (s *Sender) data(dst []byte, msg *digest.Message, eightBit bool) ([]byte, parties, bool, error) {
	if s.cfg.DKIM == nil {
		return appendMessage(dst, msg, s.cfg.From, s.cfg.Hostname, form{eightBit: eightBit, wire: true})
	}
	scratch := bufs.Get().(*[]byte)
	defer bufs.Put(scratch)
	raw, p, eightBit, err := appendMessage((*scratch)[:0], msg, s.cfg.From, s.cfg.Hostname, form{eightBit: eightBit})
	*scratch = raw[:0]
	if err != nil {
		return dst, p, false, err
	}
	sig, err := s.cfg.DKIM.Sign(raw)
	if err != nil {
		return dst, p, false, err
	}
	return appendWire(appendWire(dst, []byte(sig)), raw), p, eightBit, nil
}

// for8bit returns m ready for connection c: m itself, or m again in
// quoted-printable when its bodies are 8bit and c's server lacks 8BITMIME.
func (s *Sender) for8bit(m *envelope, c *conn) (*envelope, error) {
	if ok, _ := c.smtp.Extension("8BITMIME"); ok || !m.eightBit {
		return m, nil
	}
	qp, err := s.envelope(m.msg, false)
	if err != nil {
		return m, err
	}
	m.free()
	return qp, nil
}

// free returns the buffer; the envelope is not used afterwards.
func (e *envelope) free() {
	if e != nil && e.buf != nil {
		bufs.Put(e.buf)
		e.buf, e.data = nil, nil
	}
}
