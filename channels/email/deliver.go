package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/textproto"
	"slices"
	"strconv"

	"github.com/wneessen/go-mail"

	"herald/digest"
)

// deliver sends m on c, dialling when c is nil and redialling once when a
// reused connection turns out dead before anything was sent. It returns the
// connection to keep (nil when it was dropped) and the classified error.
func (s *Sender) deliver(ctx context.Context, c *conn, m *envelope) (*conn, *envelope, error) {
	reused := c != nil
	var err error
	if c == nil {
		if c, err = s.dial(ctx); err != nil {
			return nil, m, err
		}
	}
	if m, err = s.forConn(m, c); err != nil {
		return c, m, digest.Permanent(0, "invalid_message", err)
	}
	err = s.sendOn(ctx, c, m)
	if reused && staleConn(err) {
		s.drop(c, "stale")
		if c, err = s.dial(ctx); err != nil {
			return nil, m, err
		}
		if m, err = s.forConn(m, c); err != nil {
			return c, m, digest.Permanent(0, "invalid_message", err)
		}
		err = s.sendOn(ctx, c, m)
	}
	if err == nil {
		return c, m, nil
	}
	c, err = s.classify(c, err)
	return c, m, err
}

// sendOn sends m on c: MAIL, RCPT, DATA and the message bytes, with no
// NOOP before and no RSET after (a transaction ends with the reply to its
// data; see staleConn for a connection that died while idle). When ctx
// ends mid-send the socket is closed, which aborts the exchange (and makes
// the error a lost connection).
func (s *Sender) sendOn(ctx context.Context, c *conn, m *envelope) error {
	stop := context.AfterFunc(ctx, func() { _ = c.raw.Close() })
	defer stop()
	if err := c.smtp.UpdateDeadline(s.cfg.Timeout); err != nil {
		return err
	}
	if c.ext.pipelining {
		return sendPipelined(c, m)
	}
	if err := c.smtp.Mail(m.from); err != nil {
		return &mailFromError{err}
	}
	for _, to := range m.to {
		if err := c.smtp.Rcpt(to); err != nil {
			return err
		}
	}
	return sendData(c.smtp.Text, m.data)
}

// sendData sends DATA, then data, already in its DATA form (see
// appendWire) and ending with the terminating dot, in one write, and reads
// the reply.
// It is what go-mail's Data and its DotWriter do, without the byte-by-byte
// pass over the message.
func sendData(t *textproto.Conn, data []byte) error {
	id, err := t.Cmd("DATA")
	if err != nil {
		return err
	}
	t.StartResponse(id)
	_, _, err = t.ReadResponse(354)
	t.EndResponse(id)
	if err != nil {
		return err
	}
	return writeData(t, data)
}

// writeData sends the message, in its DATA form with the terminating dot,
// after the server's 354, and reads the reply.
func writeData(t *textproto.Conn, data []byte) error {
	if _, err := t.W.Write(data); err != nil {
		return err
	}
	if err := t.W.Flush(); err != nil {
		return err
	}
	_, _, err := t.ReadResponse(250)
	return err
}

// sendPipelined sends MAIL, RCPT and DATA in one write (RFC 2920
// PIPELINING), then the message once the server said 354: two round trips
// a message instead of four, for the server as for us. A BDAT chunk goes
// in the same write as its commands (BDAT n LAST, RFC 3030): one round
// trip, and the server reads the message in bulk rather than looking for
// its end. MAIL FROM carries the parameters go-mail's Mail would add.
func sendPipelined(c *conn, m *envelope) error {
	t := c.smtp.Text
	if err := writeCommands(c, m); err != nil {
		return &mailFromError{err}
	}
	_, _, mailErr := t.ReadResponse(250)
	var rcptErr error
	for range m.to {
		if _, _, err := t.ReadResponse(25); err != nil && rcptErr == nil {
			rcptErr = err
		}
	}
	if m.bdat {
		_, _, dataErr := t.ReadResponse(250)
		return firstError(mailErr, rcptErr, dataErr)
	}
	_, _, dataErr := t.ReadResponse(354)
	if mailErr != nil || rcptErr != nil {
		if dataErr == nil { // 354 all the same: end the empty message at once
			_, _ = t.W.WriteString(".\r\n")
			_ = t.W.Flush()
			_, _, _ = t.ReadResponse(250)
		}
		return firstError(mailErr, rcptErr, nil)
	}
	if dataErr != nil {
		return dataErr
	}
	return writeData(t, m.data)
}

// writeCommands writes m's MAIL, RCPT and DATA, or BDAT and its chunk, in
// one go.
func writeCommands(c *conn, m *envelope) error {
	var cmds bytes.Buffer
	cmds.WriteString("MAIL FROM:" + m.from)
	if c.ext.eightBit {
		cmds.WriteString(" BODY=8BITMIME")
	}
	if c.ext.smtpUTF8 {
		cmds.WriteString(" SMTPUTF8")
	}
	cmds.WriteString("\r\n")
	for _, to := range m.to {
		cmds.WriteString("RCPT TO:" + to + "\r\n")
	}
	if !m.bdat {
		cmds.WriteString("DATA\r\n")
	} else {
		cmds.WriteString("BDAT " + strconv.Itoa(len(m.data)) + " LAST\r\n")
	}
	w := c.smtp.Text.W
	if b := m.withCommands(cmds.Bytes()); b != nil {
		if _, err := w.Write(b); err != nil { // one write to the socket
			return err
		}
		return w.Flush()
	}
	if _, err := w.Write(cmds.Bytes()); err != nil {
		return err
	}
	if m.bdat {
		if _, err := w.Write(m.data); err != nil {
			return err
		}
	}
	return w.Flush()
}

// firstError is MAIL FROM's failure (a mailFromError), else the first
// recipient's, else the data's.
func firstError(mailErr, rcptErr, dataErr error) error {
	switch {
	case mailErr != nil:
		return &mailFromError{mailErr}
	case rcptErr != nil:
		return rcptErr
	}
	return dataErr
}

// mailFromError is a failure of MAIL FROM, the first command of a message.
type mailFromError struct{ err error }

func (e *mailFromError) Error() string { return "MAIL FROM: " + e.err.Error() }
func (e *mailFromError) Unwrap() error { return e.err }

// staleConn reports a reused connection found dead at MAIL FROM, before
// any of the message was sent: no reply at all (the server closed it while
// it idled), or 421 (the server is closing it).
func staleConn(err error) bool {
	var me *mailFromError
	if !errors.As(err, &me) {
		return false
	}
	code := replyCode(err)
	return code == 0 || code == 421
}

// classify turns a go-mail send error into a digest.SendError. A 5xx to
// MAIL FROM is a channel-level failure; a 5xx to RCPT or DATA is the
// recipient's (permanent). A reply code means the server is still talking: the connection is reset and kept.
// No code (go-mail reports 0 for a lost connection, an I/O error, a
// timeout) drops the connection and counts as temporary.
func (s *Sender) classify(c *conn, err error) (*conn, error) {
	code := replyCode(err)
	var me *mailFromError
	switch {
	case code >= 500 && errors.As(err, &me):
		// MAIL FROM refused (530 authentication required, 550 sender
		// rejected): Herald's configuration, not the recipient.
		return s.resetOrDrop(c), &digest.SendError{Temporary: true, Channel: true, Code: code,
			Reason: "smtp_sender_refused", Err: err}
	case code >= 500:
		return s.resetOrDrop(c), digest.Permanent(code, "smtp_"+strconv.Itoa(code), err)
	case code >= 400:
		return s.resetOrDrop(c), digest.Temporary(code, err)
	default:
		s.drop(c, "lost")
		return nil, digest.Temporary(0, err)
	}
}

func (s *Sender) resetOrDrop(c *conn) *conn {
	if err := c.smtp.Reset(); err != nil {
		s.drop(c, "reset failed")
		return nil
	}
	return c
}

func (s *Sender) drop(c *conn, why string) {
	_ = c.smtp.Close()
	_ = c.raw.Close()
	s.log.Debug("email: dropped SMTP connection", slog.String("smtp_server", s.cfg.addr()), slog.String("reason", why))
}

// replyCode is the SMTP reply code behind err, 0 when there is none.
func replyCode(err error) int {
	var se *mail.SendError
	if errors.As(err, &se) {
		return se.ErrorCode()
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// dial opens one connection with its own go-mail client (AUTH selection
// keeps state per dial). On failure the socket is closed here: go-mail
// leaves it open when EHLO, STARTTLS or AUTH fails.
func (s *Sender) dial(ctx context.Context) (*conn, error) {
	var raw net.Conn
	client, err := mail.NewClient(s.cfg.Host, append(slices.Clip(s.opts), mail.WithDialContextFunc(s.dialFunc(&raw)))...)
	if err == nil {
		c, derr := client.DialToSMTPClientWithContext(ctx)
		if derr == nil {
			s.log.Debug("email: connected", slog.String("smtp_server", s.cfg.addr()))
			ext := extensionsOf(c)
			s.has8bit.Store(ext.eightBit)
			s.hasChunking.Store(ext.chunks())
			return &conn{smtp: c, raw: raw, ext: ext}, nil
		}
		err = derr
	}
	if raw != nil {
		_ = raw.Close()
	}
	// Unreachable, or refusing EHLO, STARTTLS or Herald's credentials: the
	// relay is at fault, not the recipient.
	return nil, &digest.SendError{Temporary: true, Channel: true, Code: replyCode(err), Reason: "smtp_connect", Err: err}
}

// dialFunc dials TCP, or TLS for implicit TLS, and remembers the socket.
func (s *Sender) dialFunc(raw *net.Conn) mail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{Timeout: s.cfg.Timeout}
		var c net.Conn
		var err error
		if s.cfg.TLS == TLSImplicit {
			c, err = (&tls.Dialer{NetDialer: d, Config: s.tls}).DialContext(ctx, network, addr)
		} else {
			c, err = d.DialContext(ctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		*raw = c
		return c, nil
	}
}
