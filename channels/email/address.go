package email

import (
	"fmt"
	netmail "net/mail"
	"unicode/utf8"

	"herald/digest"
)

// parties are a message's From and To as its header and its SMTP envelope
// carry them.
type parties struct {
	fromField, toField string // "Name" <addr>, as the header fields hold it
	from, to           string // <addr>, for MAIL FROM and RCPT TO
}

func messageParties(to, from digest.Address) (*parties, error) {
	var p parties
	var err error
	if p.fromField, p.from, err = formatAddress("From", from); err != nil {
		return nil, err
	}
	if p.toField, p.to, err = formatAddress("To", to); err != nil {
		return nil, err
	}
	return &p, nil
}

// formatAddress is a as go-mail's FromFormat and AddToFormat make it: net/mail
// parses `"name" <email>` and formats the address it gets, with its name
// for the header and without for the envelope (GetSender, GetRecipients).
// A name of quoted-string text and a dot-atom address come out of the
// parse as they went in, so for them it is not run.
func formatAddress(header string, a digest.Address) (field, envelope string, err error) {
	addr := netmail.Address{Name: a.Name, Address: a.Email}
	if !quotedText(a.Name) || !dotAtoms(a.Email) {
		s := fmt.Sprintf(`"%s" <%s>`, a.Name, a.Email)
		parsed, err := netmail.ParseAddress(s)
		if err != nil {
			return "", "", fmt.Errorf("email: header %q: failed to parse mail address %q: %w", header, s, err)
		}
		addr = *parsed
	}
	field = addr.String()
	addr.Name = ""
	return field, addr.String(), nil
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
