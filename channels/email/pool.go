package email

import (
	"context"
	"errors"
	"net"
	"sync"

	"github.com/wneessen/go-mail/smtp"
)

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("email: sender is closed")

// conn is one SMTP connection: the go-mail client speaking on it, the
// socket under it, which Send closes to abort when its context ends, and
// what its server announced.
type conn struct {
	smtp *smtp.Client
	raw  net.Conn
	ext  extensions
}

// extensions are the EHLO keywords sending a message depends on, read once
// when the connection is made (after STARTTLS and AUTH).
type extensions struct{ eightBit, pipelining, chunking, smtpUTF8 bool }

func extensionsOf(c *smtp.Client) extensions {
	has := func(name string) bool { ok, _ := c.Extension(name); return ok }
	return extensions{eightBit: has("8BITMIME"), pipelining: has("PIPELINING"),
		chunking: has("CHUNKING"), smtpUTF8: has("SMTPUTF8")}
}

// chunks reports a server that takes a BDAT chunk with its commands: it
// announces CHUNKING and PIPELINING.
func (e extensions) chunks() bool { return e.chunking && e.pipelining }

// pool bounds the connections in use to its size and keeps the idle ones,
// most recently used last, so a quiet sender reuses one warm connection.
// A connection is held by one goroutine at a time.
type pool struct {
	tokens chan struct{} // one per connection in use
	done   chan struct{} // closed by drain

	mu     sync.Mutex
	idle   []*conn
	closed bool
}

func newPool(size int) *pool {
	return &pool{tokens: make(chan struct{}, size), done: make(chan struct{})}
}

// get waits for a free place and returns an idle connection, or nil when
// the caller must dial one. Each successful get is paired with one put.
func (p *pool) get(ctx context.Context) (*conn, error) {
	select {
	case p.tokens <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.done:
		return nil, ErrClosed
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		<-p.tokens
		return nil, ErrClosed
	}
	n := len(p.idle)
	if n == 0 {
		return nil, nil
	}
	c := p.idle[n-1]
	p.idle = p.idle[:n-1]
	return c, nil
}

// put returns the place taken by get, with the connection if it is still
// good (nil when it was dropped).
func (p *pool) put(c *conn) {
	if c != nil {
		p.mu.Lock()
		p.idle = append(p.idle, c)
		p.mu.Unlock()
	}
	<-p.tokens
}

// drain closes the pool to new users, waits until every place is returned
// and hands back the idle connections. A second drain returns nothing.
func (p *pool) drain() []*conn {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	p.mu.Unlock()
	for range cap(p.tokens) {
		p.tokens <- struct{}{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	idle := p.idle
	p.idle = nil
	return idle
}
