package email

import (
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
func (s *Sender) deliver(ctx context.Context, c *conn, m *mail.Msg) (*conn, error) {
	reused := c != nil
	var err error
	if c == nil {
		if c, err = s.dial(ctx); err != nil {
			return nil, err
		}
	}
	err = s.sendOn(ctx, c, m)
	if reused && failedConnCheck(err) {
		s.drop(c, "stale")
		if c, err = s.dial(ctx); err != nil {
			return nil, err
		}
		err = s.sendOn(ctx, c, m)
	}
	if err == nil {
		return c, nil
	}
	return s.classify(c, err)
}

// sendOn sends m on c; when ctx ends mid-send the socket is closed, which
// aborts the exchange (and makes the error a lost connection).
func (s *Sender) sendOn(ctx context.Context, c *conn, m *mail.Msg) error {
	stop := context.AfterFunc(ctx, func() { _ = c.raw.Close() })
	defer stop()
	return s.client.SendWithSMTPClient(c.smtp, m)
}

// classify turns a go-mail send error into a digest.SendError. A reply
// code means the server is still talking: the connection is reset and kept.
// No code (go-mail reports 0 for a lost connection, an I/O error, a
// timeout) drops the connection and counts as temporary.
func (s *Sender) classify(c *conn, err error) (*conn, error) {
	code := replyCode(err)
	switch {
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
	if err := s.client.ResetWithSMTPClient(c.smtp); err != nil {
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

// failedConnCheck reports go-mail's pre-send NOOP failing: the connection
// died while idle and nothing of the message was sent.
func failedConnCheck(err error) bool {
	var se *mail.SendError
	return errors.As(err, &se) && se.Reason == mail.ErrConnCheck
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
			return &conn{smtp: c, raw: raw}, nil
		}
		err = derr
	}
	if raw != nil {
		_ = raw.Close()
	}
	return nil, &digest.SendError{Temporary: true, Code: replyCode(err), Reason: "smtp_connect", Err: err}
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
