// Package smtptest runs an in-process SMTP server (emersion/go-smtp) on a real
// TCP port of 127.0.0.1 for tests. It records what it receives, counts the
// connections it accepts, and injects faults: a chosen reply code on RCPT TO
// or DATA, a connection dropped during DATA, all connections dropped at once,
// CHUNKING left out of EHLO's reply (a relay without RFC 3030). Optional
// AUTH PLAIN, STARTTLS and implicit TLS with a throw-away self-signed
// certificate.
package smtptest

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From       string
	To         []string
	Data       []byte // nil when the server runs with Discard
	ReceivedAt time.Time
	Chunked    bool // it came in BDAT chunks (RFC 3030), not DATA
}

// Option configures a Server.
type Option func(*options)

type options struct {
	user, pass  string
	addr        string
	discard     bool
	headersOnly bool
	startTLS    bool
	implicitTLS bool
}

// WithAuth requires AUTH PLAIN with these credentials before MAIL FROM.
// Insecure (plain-text) auth is allowed.
func WithAuth(user, pass string) Option {
	return func(o *options) { o.user, o.pass = user, pass }
}

// Discard counts messages but does not keep their envelopes or bodies.
func Discard() Option { return func(o *options) { o.discard = true } }

// HeadersOnly keeps each message's envelope and header section (Data up to
// and including the blank line) but drops the body: cheap for tests that
// count thousands of messages by Message-ID.
func HeadersOnly() Option { return func(o *options) { o.headersOnly = true } }

// WithAddr listens on addr (host:port) instead of 127.0.0.1:0, so a test
// can Close a server and start another on the same port: an SMTP server
// that goes down and comes back.
func WithAddr(addr string) Option { return func(o *options) { o.addr = addr } }

// WithStartTLS offers STARTTLS with a self-signed certificate for 127.0.0.1;
// clients trust it through ClientTLSConfig.
func WithStartTLS() Option { return func(o *options) { o.startTLS = true } }

// WithImplicitTLS speaks TLS from the first byte (SMTPS, port 465 style) with
// a self-signed certificate for 127.0.0.1.
func WithImplicitTLS() Option { return func(o *options) { o.implicitTLS = true } }

// Server is a running test SMTP server.
type Server struct {
	opts options
	srv  *smtp.Server
	ln   net.Listener
	addr *net.TCPAddr
	tls  *tls.Config // server side; nil without TLS
	ca   *tls.Config // client side, trusts the certificate

	done      chan struct{} // closed when Serve returns
	closeOnce sync.Once

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced when count grows
	msgs     []Message
	count    int
	conns    int
	open     map[net.Conn]struct{}
	attempts map[string]int
	rcptFail map[string]*fault
	dataFail *fault
	dropData int

	hideChunking atomic.Bool
}

type fault struct {
	code  int
	times int
}

// Start listens on 127.0.0.1:0 and serves until the test ends.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{
		changed:  make(chan struct{}),
		open:     make(map[net.Conn]struct{}),
		attempts: make(map[string]int),
		rcptFail: make(map[string]*fault),
	}
	for _, opt := range opts {
		opt(&s.opts)
	}
	if s.opts.startTLS || s.opts.implicitTLS {
		s.tls, s.ca = selfSigned(tb)
	}
	addr := s.opts.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatalf("smtptest: listen: %v", err)
	}
	s.addr = ln.Addr().(*net.TCPAddr)
	s.ln = &countingListener{Listener: ln, s: s}
	if s.opts.implicitTLS {
		s.ln = tls.NewListener(s.ln, s.tls)
	}
	s.srv = s.newSMTPServer()
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(s.ln)
	}()
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server: it stops listening and closes every open
// connection. It is safe to call more than once; the test's cleanup calls it.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		_ = s.srv.Close()
		_ = s.ln.Close() // Serve may not have registered it yet
		<-s.done
		s.DropConnections()
	})
}

func (s *Server) newSMTPServer() *smtp.Server {
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.MaxMessageBytes = 32 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if s.opts.startTLS {
		srv.TLSConfig = s.tls
	}
	return srv
}

// Addr is host:port.
func (s *Server) Addr() string { return s.addr.String() }

// Host is the IP address the server listens on.
func (s *Server) Host() string { return s.addr.IP.String() }

// Port is the TCP port the server listens on.
func (s *Server) Port() int { return s.addr.Port }

// ClientTLSConfig trusts the server's self-signed certificate; nil when the
// server runs without TLS. Each call returns a fresh copy.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.ca == nil {
		return nil
	}
	return s.ca.Clone()
}

// Messages returns a copy of the accepted messages, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	copy(out, s.msgs)
	return out
}

// Count is the number of accepted messages (kept or discarded).
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Connections is the number of TCP connections (SMTP sessions) accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Attempts is the number of RCPT TO commands seen for rcpt, whatever the
// answer (case-insensitive).
func (s *Server) Attempts(rcpt string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[strings.ToLower(rcpt)]
}

// WaitFor blocks until at least n messages were accepted or ctx ends.
func (s *Server) WaitFor(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, changed := s.count, s.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// FailNext makes the next times RCPT TO commands for rcpt answer code
// (4xx temporary, 5xx permanent).
func (s *Server) FailNext(rcpt string, code, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcptFail[strings.ToLower(rcpt)] = &fault{code: code, times: times}
}

// FailData makes the next times DATA stages answer code after the body was
// read.
func (s *Server) FailData(code, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataFail = &fault{code: code, times: times}
}

// DropDuringData makes the next times DATA stages read the body and close
// the connection without a reply: a connection lost mid-session.
func (s *Server) DropDuringData(times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropData = times
}

// DropConnections closes every open client connection now, as a restarting
// server or an idle timeout would.
func (s *Server) DropConnections() {
	s.mu.Lock()
	open := make([]net.Conn, 0, len(s.open))
	for c := range s.open {
		open = append(open, c)
	}
	s.mu.Unlock()
	for _, c := range open {
		_ = c.Close()
	}
}

// HideChunking leaves CHUNKING out of the EHLO replies written from now on
// (on connections without TLS, whose replies it can read), as a relay
// without RFC 3030 would; false announces it again.
func (s *Server) HideChunking(hide bool) { s.hideChunking.Store(hide) }

func (s *Server) accept(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	if !s.opts.discard {
		s.msgs = append(s.msgs, m)
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// takeRcptFault records a RCPT attempt and returns the code to answer, 0
// for success.
func (s *Server) takeRcptFault(rcpt string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(rcpt)
	s.attempts[key]++
	return take(s.rcptFail[key])
}

func (s *Server) takeDataFault() (code int, drop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropData > 0 {
		s.dropData--
		return 0, true
	}
	return take(s.dataFail), false
}

func take(f *fault) int {
	if f == nil || f.times <= 0 {
		return 0
	}
	f.times--
	return f.code
}

func (s *Server) connOpened(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns++
	s.open[c] = struct{}{}
}

func (s *Server) connClosed(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.open, c)
}

// countingListener counts accepted connections and tracks the open ones.
type countingListener struct {
	net.Listener
	s *Server
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, s: l.s}
	l.s.connOpened(tc)
	return tc, nil
}

type trackedConn struct {
	net.Conn
	s    *Server
	once sync.Once
}

// chunkingLine is CHUNKING's line in go-smtp's EHLO reply: never its last,
// since SIZE follows it.
var chunkingLine = []byte("250-CHUNKING\r\n")

// Write leaves out CHUNKING's line while the server hides it; go-smtp
// writes a reply in one call.
func (c *trackedConn) Write(p []byte) (int, error) {
	if !c.s.hideChunking.Load() || !bytes.Contains(p, chunkingLine) {
		return c.Conn.Write(p)
	}
	_, err := c.Conn.Write(bytes.Replace(p, chunkingLine, nil, 1))
	return len(p), err
}

func (c *trackedConn) Close() error {
	c.once.Do(func() { c.s.connClosed(c) })
	return c.Conn.Close()
}
