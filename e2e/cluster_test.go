package e2e

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/internal/rediscluster"
)

// clusterReaders is how many due readers each cluster scenario dispatches;
// failoverWorkers the workers of each herald process in the failovers: few
// enough that the dispatch outlasts a cut-off and a promotion (about 5s).
const (
	clusterReaders  = 3000
	failoverWorkers = 2
)

// Scenario 8: 3 masters + 3 replicas, 3 herald processes waiting for one
// replica on their lease and cursor writes; the master holding the most due
// entries is killed with SIGKILL mid-run and its replica promoted. Nobody
// is lost, repeats stay within what was in flight, and the killed master's
// readers get mail again within 10s of the promotion.
func TestScenario8ClusterFailover(t *testing.T) {
	clusterFailover(t, "8 cluster-failover", false)
}

// Scenario 9: as 8, but the replica is cut off from its master just before
// the kill (SIGSTOP, and the master drops its link) and resumed after it, so
// the promoted replica lacks the master's last writes.
func TestScenario9ClusterFailoverLag(t *testing.T) {
	clusterFailover(t, "9 cluster-failover-lag", true)
}

func clusterFailover(t *testing.T, name string, lag bool) {
	r := newClusterRig(t, 1)
	rng := newRand(t)
	r.seedStories("Japan", 3)
	want := r.seedReadersLater(clusterReaders)
	emailOf := invert(r.idsByEmail(want))
	// The lease is the default minute: it must outlast a promotion (about
	// 5s) and the completion retries that follow it. With the 5s least
	// lease, leases ran out mid-failover and every reader whose cursor
	// write had not reached the replica was claimed and sent again.
	procs := r.threeHeralds("HERALD_WORKERS="+strconv.Itoa(failoverWorkers),
		"HERALD_SMTP_POOL="+strconv.Itoa(failoverWorkers))
	r.markDue(want)
	waitCount(t, r, clusterReaders*(5+rng.IntN(16))/100) // 5-20% sent
	master, ids := r.busiestDueMaster()
	replica := r.replicaOf(master)
	if lag {
		r.cutOffReplica(master)
		time.Sleep(500 * time.Millisecond) // the link is down for 0.5s: the master's writes meanwhile reach no replica
	}
	before := r.sink.Count()
	if err := master.Kill9(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if lag {
		if err := replica.Resume(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("killed master %s (%d due entries) with %d of %d messages received", master.Addr, len(ids), before, clusterReaders)
	promoted := r.waitPromoted(replica, time.Minute)
	t.Logf("replica %s promoted %v after the kill", replica.Addr, promoted.Sub(killed).Round(time.Millisecond))
	waiting := r.unsent(ids, emailOf)
	if len(waiting) == 0 {
		t.Fatal("every reader of the killed master's shard was sent before the promotion: nothing left to resume")
	}
	first, ok := r.firstDeliveryTo(waiting, promoted, 30*time.Second)
	if !ok {
		t.Errorf("none of the %d waiting readers of the killed shard got mail within 30s of the promotion", len(waiting))
	} else if resume := first.Sub(promoted); resume > 10*time.Second {
		t.Errorf("the killed shard resumed %v after the promotion, want within 10s", resume)
	} else {
		t.Logf("the killed shard resumed %v after the promotion", resume.Round(time.Millisecond))
	}
	r.waitSettled(3 * time.Minute)
	for _, h := range procs {
		h.stop()
	}
	r.checkFailover(t, name, want)
}

// checkFailover checks and reports a failover: lost=0, and repeats within
// what the kill could catch in flight.
func (r *rig) checkFailover(t *testing.T, name string, want []string) {
	t.Helper()
	rc := tally(t, r.sink)
	o := rc.outcome(want)
	report(t, name, o)
	rc.checkRepeatsSameID(t)
	if o.lost != 0 {
		t.Errorf("%d readers got no digest", o.lost)
	}
	// A master's death is, for each herald process, a kill of the Redis
	// writes it had in flight there: per worker, the message being sent
	// (its completion write failing) and one accepted but waiting for the
	// finisher's write. Three processes: 3 x 2 x workers. Every lease and
	// cursor write a process saw succeed was acknowledged by the replica
	// (HERALD_REDIS_WAIT_REPLICAS=1), so the promotion loses none of them.
	if limit := 3 * 2 * failoverWorkers; o.duplicates > limit {
		t.Errorf("%d repeats, want at most %d (two per worker of each of 3 processes in flight at the kill)", o.duplicates, limit)
	}
	for _, to := range rc.repeated() {
		if n := len(rc.ids[to]); n > 2 {
			t.Errorf("%s got %d copies: more than one repeat for one kill", to, n)
		}
	}
}

// Scenario 10: 3 masters, 3 herald processes; a third of the slots (those
// of the master holding the most due entries) move to another master with
// `redis-cli --cluster reshard` mid-run: nothing lost, nothing repeated.
func TestScenario10ClusterReshard(t *testing.T) {
	r := newClusterRig(t, 0)
	rng := newRand(t)
	r.seedStories("Japan", 3)
	want := r.seedReadersLater(clusterReaders)
	// One worker a process, so the dispatch overlaps the reshard's seconds.
	procs := r.threeHeralds("HERALD_WORKERS=1", "HERALD_SMTP_POOL=1", "HERALD_BATCH_SIZE=20")
	r.markDue(want)
	waitCount(t, r, clusterReaders*(5+rng.IntN(16))/100) // 5-20% sent
	from, _ := r.busiestDueMaster()
	start, before := time.Now(), r.sink.Count()
	r.reshard(from, r.otherMaster(from), 16384/3)
	after := r.sink.Count()
	t.Logf("resharded %d slots from %s in %v while %d of %d messages went out (%d to %d)", 16384/3, from.Addr,
		time.Since(start).Round(time.Millisecond), after-before, clusterReaders, before, after)
	if after == before {
		t.Fatalf("nothing went out while the slots moved: the reshard did not overlap the dispatch")
	}
	r.waitSettled(3 * time.Minute)
	for _, h := range procs {
		h.stop()
	}
	rc := tally(t, r.sink)
	o := rc.outcome(want)
	report(t, "10 cluster-reshard", o)
	if o.lost != 0 || o.duplicates != 0 {
		t.Errorf("lost %d, duplicates %d (repeated: %v): want none across a reshard", o.lost, o.duplicates, rc.repeated())
	}
}

// threeHeralds starts herald processes a, b and c.
func (r *rig) threeHeralds(extra ...string) []*heraldProc {
	r.t.Helper()
	var procs []*heraldProc
	for _, name := range []string{"a", "b", "c"} {
		procs = append(procs, r.herald(name, append(extra, "HERALD_FROM=Herald <herald-"+name+"@example.com>")...))
	}
	return procs
}

// replicaOf is master's replica, failing the test when it has none.
func (r *rig) replicaOf(master *rediscluster.Node) *rediscluster.Node {
	r.t.Helper()
	replica, err := r.cluster.ReplicaOf(context.Background(), master)
	if err != nil || replica == nil {
		r.t.Fatalf("replica of %s: %v (none found)", master.Addr, err)
	}
	return replica
}

// otherMaster is a master other than m.
func (r *rig) otherMaster(m *rediscluster.Node) *rediscluster.Node {
	r.t.Helper()
	masters, err := r.cluster.Masters(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	for _, o := range masters {
		if o != m {
			return o
		}
	}
	r.t.Fatal("no other master")
	return nil
}

// reshard moves slots slots from one master to another.
func (r *rig) reshard(from, to *rediscluster.Node, slots int) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fromID, err1 := from.ID(ctx)
	toID, err2 := to.ID(ctx)
	if err1 != nil || err2 != nil {
		r.t.Fatalf("node IDs: %v, %v", err1, err2)
	}
	out, err := exec.CommandContext(ctx, "redis-cli", "--cluster", "reshard", to.Addr, "--cluster-from", fromID,
		"--cluster-to", toID, "--cluster-slots", strconv.Itoa(slots), "--cluster-yes").CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		r.t.Fatalf("redis-cli --cluster reshard: %v\n%s", err, strings.Join(lines[max(0, len(lines)-20):], "\n"))
	}
}

// unsent are the addresses of ids that have no message yet.
func (r *rig) unsent(ids []string, emailOf map[string]string) map[string]bool {
	got := tally(r.t, r.sink)
	out := map[string]bool{}
	for _, id := range ids {
		if a, ok := emailOf[id]; ok && len(got.ids[strings.ToLower(a)]) == 0 {
			out[strings.ToLower(a)] = true
		}
	}
	return out
}

func invert(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}
