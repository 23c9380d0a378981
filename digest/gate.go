package digest

import (
	"context"
	"sync"
	"time"
)

// storeGate holds sends back while a completion is being retried: a
// message sent then could not be recorded. Workers wait at the gate rather
// than drop their claimed digests, so a failover or an outage pauses the
// run instead of hiding everything claimed meanwhile behind its lease.
type storeGate struct {
	mu     sync.Mutex
	closed chan struct{} // nil while open; closed (and dropped) when it opens
}

// shut closes the gate (the store is away); it stays shut until reopen.
func (g *storeGate) shut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed == nil {
		g.closed = make(chan struct{})
	}
}

// reopen opens the gate and wakes every waiter.
func (g *storeGate) reopen() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed != nil {
		close(g.closed)
		g.closed = nil
	}
}

// wait blocks until the gate is open, ctx ends or limit passes, and
// reports whether the gate is open.
func (g *storeGate) wait(ctx context.Context, limit time.Duration) bool {
	g.mu.Lock()
	closed := g.closed
	g.mu.Unlock()
	if closed == nil {
		return true
	}
	t := time.NewTimer(max(limit, 0))
	defer t.Stop()
	select {
	case <-closed:
		return true
	case <-ctx.Done():
	case <-t.C:
	}
	return false
}
