// Package reach counts where stories went: for every message a channel
// accepted, each story it carried counts once under the message's channel
// kind and sort, an email digest, an email alert (an instant subscriber's
// message), a Slack digest or a Slack alert. The counts add up in memory
// and are written in batches (stories.Store.AddReach: one pipelined script
// per story touched), when the oldest unwritten count is Every
// old and whenever the owner flushes (at the end of a dispatch run and at
// shutdown), so counting adds no Redis command per delivery. Counts not yet
// written when a process dies are lost: the figures are a guide, not an
// audit trail (the delivery log is that).
package reach

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// The counters, in the order the console shows them.
const (
	EmailDigest = "email_digest"
	EmailAlert  = "email_alert"
	SlackDigest = "slack_digest"
	SlackAlert  = "slack_alert"
)

// Counters are the counter names, in the console's order.
var Counters = []string{EmailDigest, EmailAlert, SlackDigest, SlackAlert}

// storyCounts are one story's counts, in Counters' order.
type storyCounts [4]int64

// slot is the index in Counters of a message's counter, by its channel
// kind (email, slack) and sort: kind + "_digest" or kind + "_alert"; -1 for
// a kind without counters.
func slot(kind string, alert bool) int {
	i := 0
	switch kind {
	case "email":
	case "slack":
		i = 2
	default:
		return -1
	}
	if alert {
		i++
	}
	return i
}

// DefaultEvery is how old the oldest unwritten count may get by default:
// a write touches every story counted since the last (one script a
// story), so at dispatch rates one a minute, and one at each run's end,
// are a small share of a digest's commands.
const DefaultEvery = time.Minute

// Writer adds counts (story id -> counter -> n); stories.Store is one.
type Writer interface {
	AddReach(ctx context.Context, counts map[string]map[string]int64) error
}

// Tally is the in-memory count, safe for concurrent use.
type Tally struct {
	w      Writer
	now    func() time.Time
	every  time.Duration
	logger *slog.Logger

	mu     sync.Mutex
	counts map[string]*storyCounts // by story id
	oldest time.Time               // when the oldest unwritten count was added
}

// New returns a tally writing to w; now is the clock (time.Now when nil),
// every the most a count waits (DefaultEvery when 0).
func New(w Writer, now func() time.Time, every time.Duration, logger *slog.Logger) *Tally {
	if now == nil {
		now = time.Now
	}
	if every <= 0 {
		every = DefaultEvery
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Tally{w: w, now: now, every: every, logger: logger, counts: map[string]*storyCounts{}}
}
