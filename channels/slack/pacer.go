package slack

import (
	"sync"
	"time"
)

// pruneAt is the number of destinations above which expired ones are dropped.
const pruneAt = 1024

// pacer books post slots per destination: at most one post every interval
// to each key. Booking takes a short lock and never waits, so senders to
// different destinations do not block each other.
type pacer struct {
	interval time.Duration
	now      func() time.Time

	mu   sync.Mutex
	next map[string]time.Time // earliest time of the next post per key
}

func newPacer(interval time.Duration, now func() time.Time) *pacer {
	return &pacer{interval: interval, now: now, next: make(map[string]time.Time)}
}

// reserve books the next slot for key and returns how long to wait for it.
func (p *pacer) reserve(key string) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	slot := now
	if n := p.next[key]; n.After(now) {
		slot = n
	}
	p.next[key] = slot.Add(p.interval)
	p.prune(now)
	return slot.Sub(now)
}

// holdOff keeps key free of posts until t (a Retry-After).
func (p *pacer) holdOff(key string, t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.After(p.next[key]) {
		p.next[key] = t
	}
}

func (p *pacer) prune(now time.Time) {
	if len(p.next) <= pruneAt {
		return
	}
	for k, t := range p.next {
		if !t.After(now) {
			delete(p.next, k)
		}
	}
}
