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
	dst, _, _, err := appendMessage(dst, msg, from, hostname, false)
	return dst, err
}

// appendMessage is AppendMessage, also returning the message's parties for
// its envelope. With eightBit it writes 8bit bodies when they can be (see
// eightbit.go) and says whether it did.
func appendMessage(dst []byte, msg *digest.Message, from digest.Address, hostname string, eightBit bool) ([]byte, *parties, bool, error) {
	if err := checkMessage(msg, from, hostname); err != nil {
		return dst, nil, false, err
	}
	p, err := messageParties(msg.To, from)
	if err != nil {
		return dst, nil, false, err
	}
	if eightBit {
		text, ok := eightBitText(msg.Email.Text)
		html, ok2 := eightBitHTML(msg.Email.HTML)
		if ok && ok2 {
			return appendBodies(dst, msg, p, hostname, mail.NoEncoding, text, html, appendRaw), p, true, nil
		}
	}
	return appendBodies(dst, msg, p, hostname, mail.EncodingQP, msg.Email.Text, msg.Email.HTML, appendQP), p, false, nil
}

func appendRaw(dst, src []byte) []byte { return append(dst, src...) }

// appendBodies writes the message with text and html in encoding enc,
// put in their places by encode.
func appendBodies(dst []byte, msg *digest.Message, p *parties, hostname string, enc mail.Encoding,
	text, html []byte, encode func(dst, src []byte) []byte) []byte {
	b := boundary(msg, hostname)
	dst = appendHead(dst, msg, p, hostname, b, enc)
	dst = encode(dst, text)
	dst = appendPartHeader(dst, b, enc, mail.TypeTextHTML, false)
	dst = encode(dst, html)
	return appendEnd(dst, b)
}
