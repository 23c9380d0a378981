package email

import (
	"fmt"
	netmail "net/mail"
	"unicode/utf8"

	"herald/digest"
)

// parties are a message's From and To.
type parties struct {
	from, to party
}

func messageParties(to, from digest.Address) (parties, error) {
	var p parties
	var err error
	if p.from, err = newParty("From", from); err != nil {
		return p, err
	}
	p.to, err = newParty("To", to)
	return p, err
}

// party is an address as go-mail's FromFormat and AddToFormat make it:
// net/mail parses `"name" <email>` and formats the address it gets, with
// its name for the header and without for the envelope (GetSender,
// GetRecipients). A name of quoted-string text and a dot-atom address
// come out of the parse as they went in, so for them it is not run; when
// the name is printable ASCII too, net/mail would format them as
// `"name" <email>` (or `<email>` without a name), and they are written so.
type party struct {
	plain bool
	a     digest.Address
	addr  netmail.Address // as net/mail parsed it, unless plain
}

func newParty(header string, a digest.Address) (party, error) {
	if !dotAtoms(a.Email) || !quotedText(a.Name) {
		s := fmt.Sprintf(`"%s" <%s>`, a.Name, a.Email)
		parsed, err := netmail.ParseAddress(s)
		if err != nil {
			return party{}, fmt.Errorf("email: header %q: failed to parse mail address %q: %w", header, s, err)
		}
		return party{a: a, addr: *parsed}, nil
	}
	return party{plain: asciiText(a.Name), a: a, addr: netmail.Address{Name: a.Name, Address: a.Email}}, nil
}

// appendValue appends the header field's value.
func (p *party) appendValue(dst []byte) []byte {
	switch {
	case !p.plain:
		return append(dst, p.addr.String()...)
	case p.a.Name != "":
		dst = append(append(append(dst, '"'), p.a.Name...), `" `...)
	}
	return append(append(append(dst, '<'), p.a.Email...), '>')
}

// envelope is the address for MAIL FROM or RCPT TO.
func (p *party) envelope() string {
	if p.plain {
		return "<" + p.a.Email + ">"
	}
	addr := p.addr
	addr.Name = ""
	return addr.String()
}

// asciiText reports that quoted-string text s is ASCII: net/mail quotes
// it as it is.
func asciiText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// quotedText reports whether s is what net/mail reads back unchanged from
// a quoted-string: valid UTF-8 of qtext (printable ASCII but '"' and '\',
// and any non-ASCII character) and blanks.
func quotedText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x80 && c != ' ' && c != '\t' && (c < '!' || c > '~' || c == '"' || c == '\\') {
			return false
		}
	}
	return utf8.ValidString(s)
}

// dotAtoms reports whether addr is local@domain, both dot-atoms of ASCII
// atext: what net/mail parses to itself.
func dotAtoms(addr string) bool {
	at := -1
	for i := 0; i < len(addr); i++ {
		if addr[i] == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
	}
	return at >= 0 && dotAtom(addr[:at]) && dotAtom(addr[at+1:])
}

func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !atext(s[i]) && (s[i] != '.' || s[i-1] == '.') {
			return false
		}
	}
	return true
}

// atext is an ASCII atext byte of RFC 5322 3.2.3.
func atext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return c < 0x80 && c > ' ' && c != 0x7f && !isSpecial(c)
}

func isSpecial(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', ':', ';', '@', '\\', ',', '"', '.':
		return true
	}
	return false
}
