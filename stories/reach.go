package stories

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Reach is where a story went: how many messages carried it, by counter
// (the counters are the caller's names, such as "email_digest").
type Reach map[string]int64

// AddReach adds counts (story id -> counter -> n) to the stories' reach
// counters in one pipeline: an HINCRBY per counter, and an EXPIRE NX the
// first time this store writes a story's counters. Each story's counters
// are a key of their own, so they spread over a cluster as the stories do,
// and they expire Retention after their first count (the story itself
// expires Retention after its ingest, which came first): memory stays
// bounded by what retention keeps.
func (st *Store) AddReach(ctx context.Context, counts map[string]map[string]int64) error {
	if len(counts) == 0 {
		return nil
	}
	expire := st.reachToExpire(counts)
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for id, byCounter := range counts {
			key := st.reachKey(id)
			for counter, n := range byCounter {
				p.HIncrBy(ctx, key, counter, n)
			}
			if expire[id] {
				p.ExpireNX(ctx, key, st.retention)
			}
		}
		return nil
	})
	if err != nil {
		st.reachForget(expire)
		return fmt.Errorf("stories: add reach: %w", err)
	}
	return nil
}

// maxReachTTL bounds the reach keys a store remembers setting the expiry
// of; past it, it forgets them all (and sets each once more).
const maxReachTTL = 1 << 16

// reachToExpire are the stories of counts whose reach key this store has
// not set the expiry of yet, now marked as set.
func (st *Store) reachToExpire(counts map[string]map[string]int64) map[string]bool {
	st.reachMu.Lock()
	defer st.reachMu.Unlock()
	if st.reachTTL == nil || len(st.reachTTL) > maxReachTTL {
		st.reachTTL = map[string]bool{}
	}
	out := map[string]bool{}
	for id := range counts {
		if !st.reachTTL[id] {
			st.reachTTL[id], out[id] = true, true
		}
	}
	return out
}

// reachForget unmarks ids after a failed write.
func (st *Store) reachForget(ids map[string]bool) {
	st.reachMu.Lock()
	defer st.reachMu.Unlock()
	for id := range ids {
		delete(st.reachTTL, id)
	}
}

// ReachOf returns the reach counters of each of ids (a story nothing
// carried yet has none), with one pipelined HGETALL a story.
func (st *Store) ReachOf(ctx context.Context, ids []string) (map[string]Reach, error) {
	cmds := make(map[string]*redis.MapStringStringCmd, len(ids))
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			if _, dup := cmds[id]; !dup {
				cmds[id] = p.HGetAll(ctx, st.reachKey(id))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stories: reach: %w", err)
	}
	out := make(map[string]Reach, len(cmds))
	for id, cmd := range cmds {
		out[id] = toReach(cmd.Val())
	}
	return out, nil
}

func toReach(fields map[string]string) Reach {
	r := make(Reach, len(fields))
	for counter, v := range fields {
		r[counter], _ = strconv.ParseInt(v, 10, 64)
	}
	return r
}
