package e2e

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// Scenario 1: 2,000 readers due at once; herald is killed with SIGKILL
// three times at random points mid-dispatch and restarted each time. Every
// reader ends with exactly one digest, except a repeat of a message the
// sink accepted in the instant before a kill: at most one per worker
// sending at that instant, and always under the same Message-ID.
func TestScenario1Kill9(t *testing.T) {
	needFull(t)
	const n, kills = 2000, 3
	r := newRig(t, false)
	rng := newRand(t)
	r.seedStories("Japan", 3)
	want := r.seedReaders(n)
	start := time.Now()
	h := r.herald("run0", withShortLease)
	for k := 1; k <= kills; k++ {
		left := tally(t, r.sink).outcome(want).lost // readers still without a digest
		if left == 0 {
			t.Fatalf("kill %d: every reader already has a digest: nothing left to interrupt", k)
		}
		target := r.sink.Count() + max(1, left*(10+rng.IntN(71))/100) // 10-80% of the rest
		waitCount(t, r, target)
		h.kill9()
		t.Logf("kill -9 #%d with %d of %d messages received", k, r.sink.Count(), n)
		h = r.herald(fmt.Sprintf("run%d", k), withShortLease)
	}
	r.waitSettled(2 * time.Minute)
	h.stop()
	t.Logf("dispatch with %d kills took %v", kills, time.Since(start).Round(time.Millisecond))

	rc := tally(t, r.sink)
	o := rc.outcome(want)
	report(t, "1 kill9", o)
	rc.checkRepeatsSameID(t)
	if o.lost != 0 {
		t.Errorf("%d readers got no digest", o.lost)
	}
	// A kill repeats what was in flight: per worker, the message being sent
	// (the sink may have counted it before its reply got back) and one
	// accepted but waiting for the finisher's write. Each repeat is one
	// reader's same message (checked above and here), never a second one.
	if limit := kills * 2 * workers; o.duplicates > limit {
		t.Errorf("%d repeats, want at most %d (two per worker in flight at each of %d kills)", o.duplicates, limit, kills)
	}
	for _, to := range rc.repeated() {
		if n := len(rc.ids[to]); n > 1+kills {
			t.Errorf("%s got %d copies: more than one repeat per kill", to, n)
		}
	}
	if reps := rc.repeated(); len(reps) > 0 {
		t.Logf("repeated (same Message-ID, accepted just before a kill): %s", strings.Join(reps, " "))
	}
}

// Scenario 2: three herald processes share one Redis and 2,000 due
// readers: each reader gets exactly one digest and every process sends a
// share (told apart by their envelope senders).
func TestScenario2ThreeProcesses(t *testing.T) {
	needFull(t)
	const n = 2000
	r := newRig(t, false)
	r.seedStories("Japan", 3)
	want := r.seedReadersLater(n)
	names := []string{"a", "b", "c"}
	procs := make([]*heraldProc, len(names))
	for i, name := range names {
		procs[i] = r.herald(name, "HERALD_FROM=Herald <herald-"+name+"@example.com>")
	}
	r.markDue(want) // all due at once, with all three processes up
	r.waitSettled(2 * time.Minute)
	for _, h := range procs {
		h.stop()
	}

	rc := tally(t, r.sink)
	o := rc.outcome(want)
	report(t, "2 three-processes", o)
	if o.lost != 0 || o.duplicates != 0 {
		t.Errorf("lost %d, duplicates %d: want none with three processes and no faults", o.lost, o.duplicates)
	}
	var shares []string
	for i, name := range names {
		sent := rc.from["herald-"+name+"@example.com"]
		shares = append(shares, fmt.Sprintf("%s=%d", name, sent))
		if sent == 0 {
			t.Errorf("process %s sent nothing: the work was not spread\n%s", name, procs[i].log.tail(10))
		}
	}
	sort.Strings(shares)
	t.Logf("shares by process: %s", strings.Join(shares, " "))
}
