package email

import (
	"github.com/wneessen/go-mail"

	"herald/digest"
)

// AppendMessage appends to dst the bytes WriteMessage writes, and returns
// the extended buffer: the bytes go-mail writes for the message Compose
// builds. The frame around the bodies is written as go-mail writes it (see
// frame.go) and the bodies are encoded with appendQP (byte for byte what
// go-mail's quoted-printable writer produces, without its intermediate
// copies) straight into their places. Sender uses it with pooled buffers,
// so a message costs one encoding pass and next to no garbage.
func AppendMessage(dst []byte, msg *digest.Message, from digest.Address, hostname string) ([]byte, error) {
	dst, _, _, err := appendMessage(dst, msg, from, hostname, form{})
	return dst, err
}

// form is how appendMessage writes a message: with 8bit bodies when they
// can be (see eightbit.go), and as it travels (wire): in the DATA form
// appendWire gives it, or, with bdat, CRLF line breaks and no dot added
// (BDAT, RFC 3030).
type form struct {
	eightBit, wire, bdat bool
}

// dots says lines starting with '.' are given one more: DATA.
func (f form) dots() bool { return f.wire && !f.bdat }

// appendMessage is AppendMessage in form f, also returning the message's
// parties for its envelope and whether the bodies are 8bit.
func appendMessage(dst []byte, msg *digest.Message, from digest.Address, hostname string, f form) ([]byte, parties, bool, error) {
	if err := checkMessage(msg, from, hostname); err != nil {
		return dst, parties{}, false, err
	}
	p, err := messageParties(msg.To, from)
	if err != nil {
		return dst, p, false, err
	}
	if f.eightBit {
		text, ok := eightBitText(msg.Email.Text)
		html, ok2 := eightBitHTML(msg.Email.HTML)
		if ok && ok2 {
			return appendBodies(dst, msg, &p, hostname, mail.NoEncoding, text, html, f), p, true, nil
		}
	}
	return appendBodies(dst, msg, &p, hostname, mail.EncodingQP, msg.Email.Text, msg.Email.HTML, f), p, false, nil
}

// appendBodies writes the message with text and html in encoding enc,
// in form f.
func appendBodies(dst []byte, msg *digest.Message, p *parties, hostname string, enc mail.Encoding,
	text, html []byte, f form) []byte {
	var bb [boundaryLen]byte
	b := boundary(&bb, msg, hostname)
	start := len(dst)
	dst = appendHead(dst, msg, p, hostname, b, enc)
	if f.dots() {
		dst = stuffDots(dst, start)
	}
	encode := bodyEncoder(enc, f)
	dst = encode(dst, text)
	dst = appendPartHeader(dst, b, enc, mail.TypeTextHTML, false)
	dst = encode(dst, html)
	return appendEnd(dst, b)
}

// bodyEncoder puts a body in its place. The part headers and delimiters
// around it start with CRLF and no line of them with a dot: in DATA they
// are as they are. Quoted-printable is CRLF already.
func bodyEncoder(enc mail.Encoding, f form) func(dst, src []byte) []byte {
	switch {
	case enc == mail.EncodingQP && f.dots():
		return appendQPLines
	case enc == mail.EncodingQP:
		return appendQP
	case f.dots():
		return appendLines
	case f.wire:
		return appendBreaks
	}
	return appendRaw
}

func appendRaw(dst, src []byte) []byte { return append(dst, src...) }
