package smtptest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// session is one SMTP session. go-smtp calls its methods from the
// connection's goroutine only.
type session struct {
	s      *Server
	conn   net.Conn
	authed bool
	from   string
	to     []string
}

var _ smtp.AuthSession = (*session)(nil)

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: s, conn: c.Conn()}, nil
}

func (ss *session) needAuth() bool { return ss.s.opts.user != "" && !ss.authed }

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.s.opts.user == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.opts.user || pass != ss.s.opts.pass {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.needAuth() {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.needAuth() {
		return smtp.ErrAuthRequired
	}
	if code := ss.s.takeRcptFault(to); code != 0 {
		return injected(code, "recipient "+to)
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	if ss.needAuth() {
		return smtp.ErrAuthRequired
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	code, drop := ss.s.takeDataFault()
	if drop {
		_ = ss.conn.Close()
		return errors.New("smtptest: connection dropped")
	}
	if code != 0 {
		return injected(code, "data")
	}
	m := ss.message(body)
	_, m.Chunked = r.(*io.PipeReader) // go-smtp hands BDAT chunks over a pipe
	ss.s.accept(m)
	return nil
}

func (ss *session) message(body []byte) Message {
	m := Message{ReceivedAt: time.Now()}
	if !ss.s.opts.discard {
		m.From, m.To, m.Data = ss.from, append([]string(nil), ss.to...), body
	}
	if ss.s.opts.headersOnly {
		m.Data = headerSection(body)
	}
	return m
}

// headerSection is body up to and including the blank line that ends the
// header (all of body when there is none), copied.
func headerSection(body []byte) []byte {
	if i := bytes.Index(body, []byte("\r\n\r\n")); i >= 0 {
		body = body[:i+4]
	}
	return bytes.Clone(body)
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

func injected(code int, what string) *smtp.SMTPError {
	return &smtp.SMTPError{
		Code:         code,
		EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0},
		Message:      fmt.Sprintf("smtptest: injected failure for %s", what),
	}
}
