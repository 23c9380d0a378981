package email

import (
	"mime"
	"slices"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"herald/digest"
)

// The frame of a message: its header, the two part headers and the closing
// boundary, byte for byte what go-mail's writer puts around the bodies of
// the message compose builds, written straight into the message buffer
// without building a go-mail message per send. go-mail stays the writer
// of record: Compose is go-mail's, and tests hold every byte here to it
// (same_test.go). What go-mail does is done the same way:
//
//   - generic fields (Date, List-Unsubscribe, List-Unsubscribe-Post,
//     MIME-Version, Message-ID, Subject and msg.Headers) sorted by name,
//     each value Q-encoded by mime.QEncoding when it needs to be, then
//     From and To, each folded at spaces as go-mail's writeHeader folds;
//   - the multipart/alternative Content-Type, then each part's
//     Content-Transfer-Encoding and Content-Type, as mime/multipart writes
//     a part's header, and its closing delimiter.

const charset = string(mail.CharsetUTF8)

// appendHead appends the message header and the text part's header.
func appendHead(dst []byte, msg *digest.Message, p *parties, hostname string, boundary []byte, enc mail.Encoding) []byte {
	var list [8]field
	var vals [512]byte
	f := fields{list: list[:0], vals: vals[:0]}.fill(msg, hostname)
	for _, fl := range f.sorted() {
		dst = appendField(dst, fl.name, f.vals[fl.start:fl.end])
	}
	dst = appendField(dst, string(mail.HeaderFrom), p.from.appendValue(f.vals[:0]))
	dst = appendField(dst, string(mail.HeaderTo), p.to.appendValue(f.vals[:0]))
	dst = append(dst, "Content-Type: multipart/"+mail.MIMEAlternative+";\r\n boundary="...)
	dst = append(dst, boundary...)
	dst = append(dst, "\r\n\r\n"...)
	return appendPartHeader(dst, boundary, enc, mail.TypeTextPlain, true)
}

// appendPartHeader appends a part's delimiter and header: the first
// part's, or the next one's after a body.
func appendPartHeader(dst []byte, boundary []byte, enc mail.Encoding, ct mail.ContentType, first bool) []byte {
	if !first {
		dst = append(dst, "\r\n"...)
	}
	dst = append(append(append(dst, "--"...), boundary...), "\r\n"...)
	dst = append(append(append(dst, "Content-Transfer-Encoding: "...), enc...), "\r\n"...)
	dst = append(append(append(dst, "Content-Type: "...), ct...), "; charset="+charset+"\r\n\r\n"...)
	return dst
}

// appendEnd appends the closing delimiter after the last body.
func appendEnd(dst []byte, boundary []byte) []byte {
	return append(append(append(dst, "\r\n--"...), boundary...), "--\r\n"...)
}

// appendField appends the header field name: value, folded as go-mail's
// writeHeader folds: value split at every space, and a line broken before
// a word that would leave one character or less of the 76. go-mail then
// drops the space before each break (it replaces " \r\n" by "\r\n"); here
// it is dropped as the break is made, and there always is one, the
// separator after the name or the previous word.
func appendField(dst []byte, name string, value []byte) []byte {
	dst = append(append(dst, name...), ": "...)
	room := mail.MaxHeaderLength - 4 - len(name)
	for {
		word, rest, more := cutSpace(value)
		if room-len(word) <= 1 {
			dst = append(dst[:len(dst)-1], "\r\n "...)
			room = mail.MaxHeaderLength - 3
		}
		dst = append(dst, word...)
		room -= len(word)
		if !more {
			return append(dst, "\r\n"...)
		}
		dst = append(dst, ' ')
		room--
		value = rest
	}
}

func cutSpace(b []byte) (before, after []byte, found bool) {
	for i, c := range b {
		if c == ' ' {
			return b[:i], b[i+1:], true
		}
	}
	return b, nil, false
}

// fields are the generic header fields, their values one after the other
// in vals.
type fields struct {
	list []field
	vals []byte
}

type field struct {
	name       string
	start, end int
}

// add is f with the field name whose value vals holds after f.vals. The
// fields are passed by value, so that their arrays stay on the stack.
func (f fields) add(name mail.Header, vals []byte) fields {
	f.list = append(f.list, field{string(name), len(f.vals), len(vals)})
	f.vals = vals
	return f
}

// fill adds the fields compose sets, with the values SetGenHeader stores.
// All but the extra headers are printable ASCII, which mime.QEncoding
// keeps as they are: Date, the checked Message-ID and links, and the
// Subject, encoded by appendSubject.
func (f fields) fill(msg *digest.Message, hostname string) fields {
	f = f.add(mail.HeaderSubject, appendSubject(f.vals, msg.Email.Subject))
	f = f.add(mail.HeaderDate, msg.Date.AppendFormat(f.vals, time.RFC1123Z))
	f = f.add(mail.HeaderMessageID, append(append(append(append(f.vals, '<'), msg.ID...), '@'), hostname+">"...))
	f = f.unsubscribe(msg.Links)
	for name, value := range msg.Headers {
		f = f.add(mail.Header(name), append(f.vals, mime.QEncoding.Encode(charset, value)...))
	}
	return f.add(mail.HeaderMIMEVersion, append(f.vals, mail.MIME10...))
}

// unsubscribe adds the fields setUnsubscribe sets.
func (f fields) unsubscribe(l digest.Links) fields {
	vals := f.vals
	for _, v := range []string{l.Unsubscribe, mailto(l.Mailto)} {
		if v == "" {
			continue
		}
		if len(vals) > len(f.vals) {
			vals = append(vals, ", "...)
		}
		vals = append(append(append(vals, '<'), v...), '>')
	}
	if len(vals) == len(f.vals) {
		return f
	}
	f = f.add(mail.HeaderListUnsubscribe, vals)
	if strings.HasPrefix(l.Unsubscribe, "https://") {
		f = f.add(mail.HeaderListUnsubscribePost, append(f.vals, "List-Unsubscribe=One-Click"...))
	}
	return f
}

// sorted is the fields in go-mail's order: by name, as sort.Strings sorts.
// Names are distinct: msg.Headers cannot hold a field compose sets.
func (f fields) sorted() []field {
	slices.SortFunc(f.list, func(a, b field) int { return strings.Compare(a.name, b.name) })
	return f.list
}
