package e2e

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Scenario 4: Redis is stopped mid-dispatch and started again on the same
// port with its data. Herald stays up, /readyz goes 503 and back to 200,
// and the run completes with nothing lost or doubled.
func TestScenario4RedisRestart(t *testing.T) {
	needFull(t)
	const n = 2000
	r := newRig(t, true)
	r.seedStories("Japan", 3)
	want := r.seedReaders(n)
	h := r.herald("main", withShortLease) // claims whose record failed come back in 5s
	ready := watchStatus(t, h, "/readyz")
	waitCount(t, r, n/4)
	r.redis.Stop()
	down := time.Now()
	t.Logf("redis stopped with %d of %d messages received", r.sink.Count(), n)
	ready.await(t, []int{http.StatusOK, http.StatusServiceUnavailable}, 15*time.Second)
	time.Sleep(time.Until(down.Add(3 * time.Second))) // the outage lasts 3s
	if !h.running() {
		t.Fatalf("herald exited while Redis was down:\n%s", h.log.tail(20))
	}
	r.redis.Start()
	t.Logf("redis back after %v", time.Since(down).Round(time.Millisecond))
	ready.await(t, []int{http.StatusOK, http.StatusServiceUnavailable, http.StatusOK}, 30*time.Second)
	r.waitSettled(2 * time.Minute)
	if !h.running() {
		t.Fatalf("herald exited after Redis came back:\n%s", h.log.tail(20))
	}
	h.stop()

	rc := tally(t, r.sink)
	o := rc.outcome(want)
	report(t, "4 redis-restart", o)
	rc.checkRepeatsSameID(t)
	if o.lost != 0 || o.duplicates != 0 {
		t.Errorf("lost %d, duplicates %d (repeated: %v): want none across a Redis restart", o.lost, o.duplicates, rc.repeated())
	}
	t.Logf("/readyz answered %v", ready.history())
}

// Scenario 5: the SMTP server is down when the digests fall due and comes
// back on the same port seconds later; each reader then gets one digest.
func TestScenario5SMTPDownWhenDue(t *testing.T) {
	needFull(t)
	const n = 200
	r := newRig(t, false)
	r.seedStories("Japan", 3)
	h := r.herald("main") // herald checks SMTP at start, so the sink is up then
	first := r.sink
	first.Close()
	down := time.Now()
	want := r.seedReaders(n) // due at once
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tried := func() bool { // herald noticed: a logged or recorded temporary failure
		return strings.Contains(h.log.String(), "temporary") || r.countResults("temporary") > 0
	}
	if err := poll(ctx, tried); err != nil {
		t.Fatalf("no temporary failure seen while SMTP was down: %v\n%s", err, h.log.tail(20))
	}
	time.Sleep(time.Until(down.Add(5 * time.Second))) // the outage lasts 5s
	failed := r.countResults("temporary")
	r.startSink()
	t.Logf("SMTP back on %s after %v, %d temporary failures recorded meanwhile", r.smtpAddr, time.Since(down).Round(time.Millisecond), failed)
	r.waitSettled(2 * time.Minute)
	h.stop()

	if first.Count() != 0 {
		t.Errorf("the closed sink accepted %d messages", first.Count())
	}
	rc := tally(t, r.sink)
	o := rc.outcome(want)
	report(t, "5 smtp-down", o)
	if o.lost != 0 || o.duplicates != 0 {
		t.Errorf("lost %d, duplicates %d: want each reader's digest once after SMTP returns", o.lost, o.duplicates)
	}
}

// Scenario 6: SIGTERM mid-dispatch. Sends under way complete and are
// recorded, the process exits 0 within the grace period, and a restarted
// process sends the rest. SIGTERM is graceful: no repeats at all.
func TestScenario6SIGTERM(t *testing.T) {
	needFull(t)
	const n = 2000
	r := newRig(t, false)
	r.seedStories("Japan", 3)
	want := r.seedReaders(n)
	h := r.herald("first")
	waitCount(t, r, n*3/10)
	code, took := h.terminate(grace + 5*time.Second)
	if code != 0 || took > grace {
		t.Errorf("SIGTERM: exit %d after %v, want 0 within the %v grace period\n%s", code, took, grace, h.log.tail(10))
	}
	before := tally(t, r.sink)
	t.Logf("SIGTERM: exit %d after %v with %d of %d messages received", code, took.Round(time.Millisecond), before.total(), n)
	if before.total() >= n {
		t.Fatalf("all %d sent before SIGTERM took effect: nothing left to test", n)
	}
	r.checkRecorded(before, want)

	h = r.herald("second")
	r.waitSettled(2 * time.Minute)
	h.stop()
	rc := tally(t, r.sink)
	o := rc.outcome(want)
	report(t, "6 sigterm", o)
	if o.lost != 0 || o.duplicates != 0 {
		t.Errorf("lost %d, duplicates %d (repeated: %v): want none after a graceful stop", o.lost, o.duplicates, rc.repeated())
	}
}

// checkRecorded checks that every message the sink accepted has a "sent"
// record in the delivery log: the sends in flight at shutdown completed,
// and their cursors moved.
func (r *rig) checkRecorded(got received, addrs []string) {
	r.t.Helper()
	sent := map[string]bool{}
	for _, d := range r.deliveries() {
		if d.Result == "sent" {
			sent[d.SubscriberID] = true
		}
	}
	ids := r.idsByEmail(addrs)
	missing := 0
	for _, a := range addrs {
		if len(got.ids[strings.ToLower(a)]) > 0 && !sent[ids[a]] {
			missing++
		}
	}
	if missing > 0 {
		r.t.Errorf("%d messages the sink accepted before shutdown have no \"sent\" record", missing)
	}
}

// countResults counts delivery log entries with this result.
func (r *rig) countResults(result string) int {
	n := 0
	for _, d := range r.deliveries() {
		if d.Result == result {
			n++
		}
	}
	return n
}

// waitCount waits until the sink has accepted at least n messages.
func waitCount(t *testing.T, r *rig, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.sink.WaitFor(ctx, n); err != nil {
		t.Fatalf("sink stuck at %d messages, waiting for %d", r.sink.Count(), n)
	}
}

// statusWatch polls one URL of a herald process and keeps the sequence of
// distinct answers (0: no answer).
type statusWatch struct {
	mu   sync.Mutex
	seq  []int
	tick chan struct{}
}

func watchStatus(t *testing.T, h *heraldProc, path string) *statusWatch {
	w := &statusWatch{tick: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			w.add(h.status(path))
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return w
}

func (w *statusWatch) add(code int) {
	w.mu.Lock()
	if len(w.seq) == 0 || w.seq[len(w.seq)-1] != code {
		w.seq = append(w.seq, code)
	}
	w.mu.Unlock()
	select {
	case w.tick <- struct{}{}:
	default:
	}
}

func (w *statusWatch) history() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]int(nil), w.seq...)
}

// await waits until the answers seen so far contain want in order.
func (w *statusWatch) await(t *testing.T, want []int, limit time.Duration) {
	t.Helper()
	deadline := time.After(limit)
	for !subsequence(w.history(), want) {
		select {
		case <-w.tick:
		case <-deadline:
			t.Fatalf("status answers %v never went %v within %v", w.history(), want, limit)
		}
	}
}

func subsequence(seq, want []int) bool {
	i := 0
	for _, s := range seq {
		if i < len(want) && s == want[i] {
			i++
		}
	}
	return i == len(want)
}
