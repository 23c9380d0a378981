package slack

import (
	"sync"
	"time"
)

// Limits of the resume log.
const (
	resumeTTL = 24 * time.Hour
	resumeMax = 1024
)

// resumeLog remembers, per message ID, how many payloads of a message were
// posted before a temporary failure, so that a retry of the same message in
// this process continues with the first unposted payload instead of posting
// the earlier ones again. It lives in memory only: after a restart a retry
// starts from the first payload (delivery stays at-least-once). An entry is
// used only when the retried message has the same number of payloads; it is
// dropped on success, on a permanent failure, after resumeTTL, or when the
// log is full (oldest first).
type resumeLog struct {
	now func() time.Time

	mu sync.Mutex
	m  map[string]resumePoint
}

type resumePoint struct {
	posted, total int
	thread        string // the first message's ts, for the replies still to post
	at            time.Time
}

func newResumeLog(now func() time.Time) *resumeLog {
	return &resumeLog{now: now, m: make(map[string]resumePoint)}
}

// start is the index of the first payload to post for message id, and the
// thread its replies go in.
func (r *resumeLog) start(id string, total int) (int, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rp, ok := r.m[id]
	if !ok {
		return 0, ""
	}
	if rp.total != total || rp.posted >= total || r.now().Sub(rp.at) > resumeTTL {
		delete(r.m, id)
		return 0, ""
	}
	return rp.posted, rp.thread
}

// record notes that posted of total payloads of message id went out.
func (r *resumeLog) record(id string, posted, total int, thread string) {
	if id == "" {
		return
	}
	if posted == 0 {
		r.forget(id)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[id]; !ok && len(r.m) >= resumeMax {
		r.evictOldest()
	}
	r.m[id] = resumePoint{posted: posted, total: total, thread: thread, at: r.now()}
}

func (r *resumeLog) forget(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, id)
}

func (r *resumeLog) evictOldest() {
	var oldest string
	var at time.Time
	for id, rp := range r.m {
		if oldest == "" || rp.at.Before(at) {
			oldest, at = id, rp.at
		}
	}
	delete(r.m, oldest)
}
