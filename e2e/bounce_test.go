package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"herald/subscribers"
)

// Scenario 3: a fifth of the recipients get 451 on their first RCPT TO and
// a twentieth get 550. The 451s are retried and delivered once; each 550
// bounces once (one RCPT attempt, never retried), suppresses the reader
// (status bounced) and shows in `herald deliveries --failed`.
func TestScenario3TemporaryAndPermanentFailures(t *testing.T) {
	needFull(t)
	const n = 1000
	r := newRig(t, false)
	r.seedStories("Japan", 3)
	all := r.seedReaders(n)
	var deliverable, deferred, bounced []string
	for i, a := range all {
		switch i % 20 {
		case 0, 1, 2, 3: // 20%
			r.sink.FailNext(a, 451, 1)
			deferred = append(deferred, a)
			deliverable = append(deliverable, a)
		case 4: // 5%
			r.sink.FailNext(a, 550, 1)
			bounced = append(bounced, a)
		default:
			deliverable = append(deliverable, a)
		}
	}
	h := r.herald("main")
	r.waitSettled(2 * time.Minute)
	h.stop()

	rc := tally(t, r.sink)
	o := rc.outcome(deliverable)
	report(t, "3 451-and-550", o)
	if o.lost != 0 || o.duplicates != 0 {
		t.Errorf("lost %d, duplicates %d of %d deliverable: want each exactly once", o.lost, o.duplicates, len(deliverable))
	}
	rc.checkNone(t, bounced, "550 on RCPT")
	for _, a := range deferred {
		if got := r.sink.Attempts(a); got != 2 {
			t.Errorf("%s: %d RCPT attempts, want 2 (451, then accepted)", a, got)
		}
	}
	r.checkBounced(bounced)
	t.Logf("deferred by 451 and delivered: %d, bounced by 550 and suppressed: %d", len(deferred), len(bounced))
}

// checkBounced checks each address was tried once, is suppressed, and is
// listed as a permanent failure by `herald deliveries --failed`.
func (r *rig) checkBounced(addrs []string) {
	r.t.Helper()
	out, err := r.cli("deliveries", "--failed", "-n", "100000")
	if err != nil {
		r.t.Fatalf("herald deliveries --failed: %v\n%s", err, out)
	}
	lines := strings.Split(out, "\n")
	for _, a := range addrs {
		if got := r.sink.Attempts(a); got != 1 {
			r.t.Errorf("%s: %d RCPT attempts, want 1 (a 550 is never retried)", a, got)
		}
		sub := r.subscriber(a)
		if sub.Status != subscribers.StatusBounced || sub.Bounces != 1 {
			r.t.Errorf("%s: status %s after %d bounces, want bounced after 1", a, sub.Status, sub.Bounces)
		}
		if due, _ := subscribers.NewStore(r.rdb, prefix, nil).DueAt(context.Background(), sub.ID); !due.IsZero() {
			r.t.Errorf("%s: still in the due set (at %v)", a, due)
		}
		if n := countLines(lines, sub.ID, "permanent"); n != 1 {
			r.t.Errorf("herald deliveries --failed lists %s (%s) as permanent %d times, want once", sub.ID, a, n)
		}
	}
}

// countLines counts the lines holding every one of words as a field.
func countLines(lines []string, words ...string) int {
	n := 0
	for _, l := range lines {
		fields := strings.Fields(l)
		ok := true
		for _, w := range words {
			ok = ok && containsField(fields, w)
		}
		if ok {
			n++
		}
	}
	return n
}

func containsField(fields []string, w string) bool {
	for _, f := range fields {
		if f == w {
			return true
		}
	}
	return false
}
