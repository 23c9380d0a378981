package reach

import (
	"context"
	"log/slog"
	"time"

	"herald/digest"
)

// flushTimeout bounds one write of the counts.
const flushTimeout = 5 * time.Second

// Add counts d's stories when a channel accepted it (result "sent") on a
// kind with counters, and writes the counts when the oldest is Every old.
func (t *Tally) Add(d digest.Delivery) {
	if d.Result != "sent" || len(d.StoryIDs) == 0 {
		return
	}
	i := slot(d.Channel, d.Alert)
	if i < 0 {
		return
	}
	if t.add(i, d.StoryIDs) {
		t.flushLogged()
	}
}

// add counts ids under Counters[counter] and reports whether a write is
// due.
func (t *Tally) add(counter int, ids []string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.counts) == 0 {
		t.oldest = now
	}
	for _, id := range ids {
		t.inc(id, counter, 1)
	}
	return now.Sub(t.oldest) >= t.every
}

func (t *Tally) inc(id string, counter int, n int64) {
	c := t.counts[id]
	if c == nil {
		c = new(storyCounts)
		t.counts[id] = c
	}
	c[counter] += n
}

// Flush writes every unwritten count. Counts it could not write stay for
// the next flush.
func (t *Tally) Flush(ctx context.Context) error {
	counts := t.take()
	if len(counts) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
	defer cancel()
	err := t.w.AddReach(ctx, counts)
	if err != nil {
		t.putBack(counts)
	}
	return err
}

func (t *Tally) flushLogged() {
	if err := t.Flush(context.Background()); err != nil {
		t.logger.Warn("story reach not written; kept for the next flush", slog.Any("error", err))
	}
}

// take hands over the unwritten counts, by counter name, and starts
// afresh.
func (t *Tally) take() map[string]map[string]int64 {
	t.mu.Lock()
	counts := t.counts
	t.counts = map[string]*storyCounts{}
	t.mu.Unlock()
	out := make(map[string]map[string]int64, len(counts))
	for id, c := range counts {
		named := map[string]int64{}
		for i, n := range c {
			if n != 0 {
				named[Counters[i]] = n
			}
		}
		out[id] = named
	}
	return out
}

// putBack returns counts a write failed on; the oldest time starts again,
// so a failing Redis is tried once every Every, not on every delivery.
func (t *Tally) putBack(counts map[string]map[string]int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.counts) == 0 {
		t.oldest = t.now()
	}
	for id, byCounter := range counts {
		for i, name := range Counters {
			if n := byCounter[name]; n != 0 {
				t.inc(id, i, n)
			}
		}
	}
}
