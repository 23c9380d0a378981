package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wneessen/go-mail"

	"herald/digest"
)

// reserved headers are set by Compose; msg.Headers may not override them.
var reserved = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "sender": true,
	"reply-to": true, "return-path": true, "subject": true, "date": true,
	"message-id": true, "mime-version": true, "content-type": true,
	"content-transfer-encoding": true, "list-unsubscribe": true,
	"list-unsubscribe-post": true,
}

// Compose builds the go-mail message for msg: From, To, Subject, Date
// (msg.Date), Message-ID <msg.ID@hostname>, List-Unsubscribe (the https link,
// then a mailto when msg.Links.Mailto is set), List-Unsubscribe-Post (RFC
// 8058, only when the link is https), msg.Headers, and a
// multipart/alternative body: text/plain first, then text/html. The MIME
// boundary is derived from the message ID, so the same message always
// yields the same bytes. A header value holding CR or LF is an error naming
// the header.
func Compose(msg *digest.Message, from digest.Address, hostname string) (*mail.Msg, error) {
	if err := checkMessage(msg, from, hostname); err != nil {
		return nil, err
	}
	return compose(msg, from, hostname, string(msg.Email.Text), string(msg.Email.HTML), mail.EncodingQP)
}

// compose builds the message of Compose with the given text and HTML
// bodies, in body encoding enc.
func compose(msg *digest.Message, from digest.Address, hostname, text, html string, enc mail.Encoding) (*mail.Msg, error) {
	b := boundary(new([boundaryLen]byte), msg, hostname)
	m := mail.NewMsg(mail.WithNoDefaultUserAgent(), mail.WithBoundary(string(b)), mail.WithEncoding(enc))
	if err := setAddresses(m, msg.To, from); err != nil {
		return nil, err
	}
	m.SetGenHeader(mail.HeaderSubject, encodeSubject(msg.Email.Subject))
	m.SetDateWithValue(msg.Date)
	m.SetMessageIDWithValue(msg.ID + "@" + hostname)
	setUnsubscribe(m, msg.Links)
	for _, name := range slices.Sorted(maps.Keys(msg.Headers)) {
		m.SetGenHeader(mail.Header(name), msg.Headers[name])
	}
	m.SetBodyString(mail.TypeTextPlain, text)
	m.AddAlternativeString(mail.TypeTextHTML, html)
	return m, nil
}

// WriteMessage writes the RFC 5322 bytes of msg as Compose builds them: the
// exact bytes an SMTP server receives.
func WriteMessage(w io.Writer, msg *digest.Message, from digest.Address, hostname string) error {
	b, err := AppendMessage(nil, msg, from, hostname)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("email: write message %q: %w", msg.ID, err)
	}
	return nil
}

func checkMessage(msg *digest.Message, from digest.Address, hostname string) error {
	switch {
	case msg == nil:
		return errors.New("email: message is nil")
	case msg.Email == nil:
		return fmt.Errorf("email: message %q: Email is nil (kind %q)", msg.ID, msg.Kind)
	case msg.Date.IsZero():
		return fmt.Errorf("email: message %q: Date is zero", msg.ID)
	}
	if err := validateAddress("From", from); err != nil {
		return fmt.Errorf("email: %w", err)
	}
	if err := validateAddress("To", msg.To); err != nil {
		return fmt.Errorf("email: %w", err)
	}
	if err := checkHeaders(msg, hostname); err != nil {
		return fmt.Errorf("email: %w", err)
	}
	return nil
}

func checkHeaders(msg *digest.Message, hostname string) error {
	if err := checkValue("Subject", msg.Email.Subject); err != nil {
		return err
	}
	if err := checkMessageID(msg.ID, hostname); err != nil {
		return err
	}
	if err := checkUnsubscribe(msg.Links); err != nil {
		return err
	}
	for name, value := range msg.Headers {
		if err := checkExtra(name, value); err != nil {
			return err
		}
	}
	return nil
}

// validateAddress checks a mailbox: an address with one @ and no CR, LF or
// angle brackets, a name without CR or LF.
func validateAddress(header string, a digest.Address) error {
	if err := checkValue(header, a.Name); err != nil {
		return err
	}
	if err := checkValue(header, a.Email); err != nil {
		return err
	}
	local, domain, ok := strings.Cut(a.Email, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(a.Email, "<> \t,;") {
		return fmt.Errorf("header %q: invalid address %q", header, a.Email)
	}
	return nil
}

func checkValue(header, value string) error {
	if strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("header %q: contains CR or LF", header)
	}
	return nil
}

// checkMessageID allows the dot-atom characters a msg-id may hold.
func checkMessageID(id, hostname string) error {
	for _, part := range []string{id, hostname} {
		if err := checkValue("Message-ID", part); err != nil {
			return err
		}
		if part == "" || strings.ContainsFunc(part, notAtom) {
			return fmt.Errorf("header %q: invalid part %q (ID and hostname are required, letters, digits and !#$%%&'*+-/=?^_`{|}~. only)", "Message-ID", part)
		}
	}
	return nil
}

func notAtom(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r)
}

func checkExtra(name, value string) error {
	if err := checkValue(name, name); err != nil {
		return err
	}
	if name == "" || strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r > '~' || r == ':' }) {
		return fmt.Errorf("header %q: invalid header name", name)
	}
	if reserved[strings.ToLower(name)] {
		return fmt.Errorf("header %q: set by the email channel, not in Headers", name)
	}
	return checkValue(name, value)
}

// checkUnsubscribe requires absolute http(s) and mailto URIs of printable
// ASCII without angle brackets, commas or spaces.
func checkUnsubscribe(l digest.Links) error {
	const h = "List-Unsubscribe"
	if err := checkValue(h, l.Unsubscribe); err != nil {
		return err
	}
	if err := checkValue(h, l.Mailto); err != nil {
		return err
	}
	if l.Unsubscribe != "" {
		u, err := url.Parse(l.Unsubscribe)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("header %q: link %q is not an http(s) URL", h, l.Unsubscribe)
		}
	}
	for _, v := range []string{l.Unsubscribe, mailto(l.Mailto)} {
		if strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r > '~' || r == '<' || r == '>' || r == ',' }) {
			return fmt.Errorf("header %q: %q holds a space, a comma, an angle bracket or non-ASCII", h, v)
		}
	}
	return nil
}

func mailto(addr string) string {
	if addr == "" || strings.HasPrefix(strings.ToLower(addr), "mailto:") {
		return addr
	}
	return "mailto:" + addr
}

func setAddresses(m *mail.Msg, to, from digest.Address) error {
	if err := m.FromFormat(from.Name, from.Email); err != nil {
		return fmt.Errorf("email: header %q: %w", "From", err)
	}
	if err := m.AddToFormat(to.Name, to.Email); err != nil {
		return fmt.Errorf("email: header %q: %w", "To", err)
	}
	return nil
}

// setUnsubscribe writes both headers as generic headers (not go-mail's
// preformatted ones, which come out in random order) so the bytes are
// stable.
func setUnsubscribe(m *mail.Msg, l digest.Links) {
	var uris []string
	for _, v := range []string{l.Unsubscribe, mailto(l.Mailto)} {
		if v != "" {
			uris = append(uris, "<"+v+">")
		}
	}
	if len(uris) == 0 {
		return
	}
	m.SetGenHeader(mail.HeaderListUnsubscribe, strings.Join(uris, ", "))
	if strings.HasPrefix(l.Unsubscribe, "https://") {
		m.SetGenHeader(mail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
}

// boundary derives the MIME boundary from the message, so a retried or
// outboxed message has the same bytes; a body that happens to contain it
// moves it on. It is put in b.
func boundary(b *[boundaryLen]byte, msg *digest.Message, hostname string) []byte {
	for i := 0; ; i++ {
		boundaryCandidate(b, msg.ID, hostname, i)
		if !holds(msg.Email.Text, b[:]) && !holds(msg.Email.HTML, b[:]) {
			return b[:]
		}
	}
}

const (
	boundaryPrefix = "herald-"
	boundaryLen    = len(boundaryPrefix) + 32
)

// boundaryCandidate puts in b the n-th boundary for the message: "herald-"
// and the hex of the first half of the SHA-256 of "ID@hostname#n".
func boundaryCandidate(b *[boundaryLen]byte, id, hostname string, n int) {
	var in [128]byte
	key := append(append(append(append(in[:0], id...), '@'), hostname...), '#')
	sum := sha256.Sum256(strconv.AppendInt(key, int64(n), 10))
	copy(b[:], boundaryPrefix)
	hex.Encode(b[len(boundaryPrefix):], sum[:16])
}

// holds reports whether body contains the boundary b, as bytes.Contains
// does, but looks for it from its '-' on and then checks the "herald"
// before: bytes.Index looks for a pattern's first byte with IndexByte,
// which in text stops at every 'h' and at few dashes.
func holds(body, b []byte) bool {
	head, tail := b[:len(boundaryPrefix)-1], b[len(boundaryPrefix)-1:]
	for off := 0; ; {
		i := bytes.Index(body[off:], tail)
		if i < 0 {
			return false
		}
		if p := off + i; p >= len(head) && bytes.Equal(body[p-len(head):p], head) {
			return true
		}
		off += i + 1
	}
}
