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
	mu   sync.Mutex
	open chan struct{} // closed while the store is up; nil before first use
}

// openChan is the channel closed while the gate is open.
func (g *storeGate) openChan() chan struct{} {
	if g.open == nil {
		g.open = make(chan struct{})
		close(g.open)
	}
	return g.open
}

// shut closes the gate (the store is away); it stays shut until reopen.
func (g *storeGate) shut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.openChan():
		g.open = make(chan struct{})
	default: // already shut
	}
}

// reopen opens the gate and wakes every waiter.
func (g *storeGate) reopen() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.openChan():
	default:
		close(g.open)
	}
}

// wait blocks until the gate is open, ctx ends or limit passes, and
// reports whether the gate is open.
func (g *storeGate) wait(ctx context.Context, limit time.Duration) bool {
	g.mu.Lock()
	open := g.openChan()
	g.mu.Unlock()
	select {
	case <-open:
		return true
	default:
	}
	t := time.NewTimer(max(limit, 0))
	defer t.Stop()
	select {
	case <-open:
		return true
	case <-ctx.Done():
	case <-t.C:
	}
	return false
}
