package subscribers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Replication is asynchronous: a master that acknowledged a lease or a
// cursor move may die before its replica has it, and the promoted replica
// then hands the subscriber out again (a lost lease) or re-sends its last
// digest (a lost cursor). A store made WithWait closes that window with
// Redis' own WAIT: after the lease writes of a batch, and after its
// completions, Sync writes a short-lived marker on each master the batch
// touched and WAITs for the replicas on the same connection; a WAIT covers
// every write its master took before it, so an acknowledged marker means
// the batch's writes are on the replicas. The runner sends nothing leased
// by an unacknowledged write, and starts no new sends while a completion
// is unacknowledged, so a failover repeats at most what was in flight, as
// a crash does.
//
// On a cluster a master is waited for by at most as many replicas as the
// cluster lists for it in a healthy or merely suspected state (not failed):
// a master whose replica was just promoted away, or one that never had a
// replica, is not waited for, so sending resumes after a failover; a
// replica cut off but not yet failed holds sending back until it returns or
// the cluster gives up on it.

// topologyAge is how long a read of the cluster's replica counts serves.
const topologyAge = 2 * time.Second

// waiter waits for replicas.
type waiter struct {
	rdb     redis.UniversalClient
	n       int
	timeout time.Duration

	mu       sync.Mutex
	replicas map[string]int // master address -> replicas not failed
	readAt   time.Time
}

func newWaiter(rdb redis.UniversalClient, n int, timeout time.Duration) *waiter {
	if timeout <= 0 {
		timeout = time.Second
	}
	return &waiter{rdb: rdb, n: n, timeout: timeout}
}

// Sync waits until the replicas acknowledge every write made so far for
// ids, and returns ErrNotDurable (wrapped) for each id whose master's
// replicas did not within the timeout. It does nothing for a store that
// does not wait.
func (st *Store) Sync(ctx context.Context, ids []string) map[string]error {
	if st.wait.n == 0 || len(ids) == 0 {
		return nil
	}
	groups, failed := st.byMaster(ctx, ids)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for addr, g := range groups {
		wg.Go(func() {
			if err := st.syncMaster(ctx, addr, g); err != nil {
				mu.Lock()
				for _, id := range g.ids {
					failed[id] = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return failed
}

// masterGroup is the ids whose keys one master holds.
type masterGroup struct {
	node redis.Cmdable
	ids  []string
}

// byMaster groups ids by the master holding their keys (one group on a
// single node or a Sentinel-managed primary).
func (st *Store) byMaster(ctx context.Context, ids []string) (map[string]*masterGroup, map[string]error) {
	failed := map[string]error{}
	cc, ok := st.rdb.(*redis.ClusterClient)
	if !ok {
		return map[string]*masterGroup{"": {node: st.rdb, ids: ids}}, failed
	}
	groups := map[string]*masterGroup{}
	for _, id := range ids {
		node, err := cc.MasterForKey(ctx, st.syncKey(id))
		if err != nil {
			failed[id] = fmt.Errorf("%w: %v", ErrNotDurable, err)
			continue
		}
		addr := node.Options().Addr
		if groups[addr] == nil {
			groups[addr] = &masterGroup{node: node}
		}
		groups[addr].ids = append(groups[addr].ids, id)
	}
	return groups, failed
}

// syncMaster writes a marker on one master and WAITs for its replicas on
// the same connection.
func (st *Store) syncMaster(ctx context.Context, addr string, g *masterGroup) error {
	want := st.wait.want(ctx, addr)
	if want == 0 {
		return nil
	}
	var acked *redis.Cmd
	_, err := g.node.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, st.syncKey(g.ids[0]), st.now().UnixMilli(), 10*time.Second)
		acked = p.Do(ctx, "WAIT", want, st.wait.timeout.Milliseconds())
		return nil
	})
	if err != nil {
		if cc, ok := st.rdb.(*redis.ClusterClient); ok {
			cc.ReloadState(ctx) // a MOVED marker: the slot map changed
		}
		return fmt.Errorf("%w: %s: %v", ErrNotDurable, addr, err)
	}
	if n, _ := acked.Int(); n < want {
		return fmt.Errorf("%w: %s: %d of %d replicas within %v", ErrNotDurable, addr, n, want, st.wait.timeout)
	}
	return nil
}

// want is how many replicas to wait for on the master at addr. The
// cluster's view is re-read when older than topologyAge or when addr is not
// a master in it (a replica just promoted).
func (w *waiter) want(ctx context.Context, addr string) int {
	cc, ok := w.rdb.(*redis.ClusterClient)
	if !ok {
		return w.n
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	n, known := w.replicas[addr]
	if !known || time.Since(w.readAt) > topologyAge {
		if counts := clusterReplicas(ctx, cc); counts != nil {
			w.replicas, w.readAt = counts, time.Now()
			n, known = counts[addr], true
		}
	}
	if !known {
		return w.n // the cluster could not be read: wait as configured
	}
	return min(w.n, n)
}

// clusterReplicas reads CLUSTER NODES from the first master that answers
// (a random node may be the one that just died); nil when none does.
func clusterReplicas(ctx context.Context, cc *redis.ClusterClient) map[string]int {
	var mu sync.Mutex
	var counts map[string]int
	_ = cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		nodes, err := node.ClusterNodes(ctx).Result()
		if err != nil {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if counts == nil {
			counts = replicaCounts(nodes)
		}
		return nil
	})
	return counts
}

// replicaCounts reads CLUSTER NODES: for each master's address, how many
// replicas the cluster lists for it that are not marked failed.
func replicaCounts(nodes string) map[string]int {
	addrOf := map[string]string{} // master id -> address
	var replicaOf []string        // master ids of healthy replicas
	for _, line := range strings.Split(nodes, "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		flags := "," + f[2] + ","
		switch {
		case strings.Contains(flags, ",master,") && !strings.Contains(flags, ",fail,"):
			addrOf[f[0]] = nodeAddr(f[1])
		case strings.Contains(flags, ",slave,") && !strings.Contains(flags, ",fail,"):
			replicaOf = append(replicaOf, f[3])
		}
	}
	counts := map[string]int{}
	for _, a := range addrOf {
		counts[a] = 0
	}
	for _, m := range replicaOf {
		if a, ok := addrOf[m]; ok {
			counts[a]++
		}
	}
	return counts
}

// nodeAddr is host:port of a CLUSTER NODES address (host:port@bus[,name]).
func nodeAddr(s string) string {
	s, _, _ = strings.Cut(s, ",")
	s, _, _ = strings.Cut(s, "@")
	return s
}
