package email

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/wneessen/go-mail"

	"herald/digest"
)

// AppendMessage appends to dst the bytes WriteMessage writes, and returns
// the extended buffer. go-mail writes the headers and the MIME structure
// around two short placeholder bodies; the real bodies are then encoded
// with appendQP (byte for byte what go-mail's quoted-printable writer
// produces, without its intermediate copies) straight into their places.
// Sender uses it with pooled buffers, so a message costs one encoding pass
// and no per-message garbage.
func AppendMessage(dst []byte, msg *digest.Message, from digest.Address, hostname string) ([]byte, error) {
	dst, _, _, err := appendMessage(dst, msg, from, hostname, false)
	return dst, err
}

// appendMessage is AppendMessage, also returning the go-mail message (with
// placeholder bodies) for its envelope. With eightBit it writes 8bit bodies
// when they can be (see eightbit.go) and says whether it did.
func appendMessage(dst []byte, msg *digest.Message, from digest.Address, hostname string, eightBit bool) ([]byte, *mail.Msg, bool, error) {
	if err := checkMessage(msg, from, hostname); err != nil {
		return dst, nil, false, err
	}
	if eightBit {
		text, ok := eightBitText(msg.Email.Text)
		html, ok2 := eightBitHTML(msg.Email.HTML)
		if ok && ok2 {
			dst, m, err := appendBodies(dst, msg, from, hostname, mail.NoEncoding, text, html, appendRaw)
			return dst, m, err == nil, err
		}
	}
	dst, m, err := appendBodies(dst, msg, from, hostname, mail.EncodingQP, msg.Email.Text, msg.Email.HTML, appendQP)
	return dst, m, false, err
}

func appendRaw(dst, src []byte) []byte { return append(dst, src...) }

// appendBodies writes the message with go-mail around placeholder bodies
// in encoding enc, then puts text and html in their places with encode.
func appendBodies(dst []byte, msg *digest.Message, from digest.Address, hostname string, enc mail.Encoding,
	text, html []byte, encode func(dst, src []byte) []byte) ([]byte, *mail.Msg, error) {
	m, err := compose(msg, from, hostname, placeholderText, placeholderHTML, enc)
	if err != nil {
		return dst, nil, err
	}
	var frame bytes.Buffer
	frame.Grow(2048)
	if _, err := m.WriteTo(&frame); err != nil {
		return dst, nil, fmt.Errorf("email: write message %q: %w", msg.ID, err)
	}
	head, mid, tail, ok := splitFrame(frame.Bytes())
	if !ok {
		return dst, nil, fmt.Errorf("email: write message %q: body placeholders not found once each", msg.ID)
	}
	dst = append(dst, head...)
	dst = encode(dst, text)
	dst = append(dst, mid...)
	dst = encode(dst, html)
	return append(dst, tail...), m, nil
}

// The placeholders are printable ASCII without '=', so quoted-printable
// leaves them as they are, and random, so no header can hold them.
var placeholderText, placeholderHTML = placeholder("text"), placeholder("html")

func placeholder(part string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "herald-" + part + "-body-" + hex.EncodeToString(b)
}

// splitFrame cuts the message written around the placeholders into what
// comes before the text body, between the bodies, and after the HTML body.
func splitFrame(frame []byte) (head, mid, tail []byte, ok bool) {
	pt, ph := []byte(placeholderText), []byte(placeholderHTML)
	i, j := bytes.Index(frame, pt), bytes.Index(frame, ph)
	if i < 0 || j < i+len(pt) || bytes.Count(frame, pt) != 1 || bytes.Count(frame, ph) != 1 {
		return nil, nil, nil, false
	}
	return frame[:i], frame[i+len(pt) : j], frame[j+len(ph):], true
}
