package stories

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/rscript"
)

// Reach is where a story went: how many messages carried it, by counter
// (the counters are the caller's names, such as "email_digest").
type Reach map[string]int64

// AddReach adds counts (story id -> counter -> n) to the stories' reach
// counters: one script a story (its HINCRBYs and an EXPIRE NX), all in one
// pipeline. Each story's counters are a key of their own, so they spread
// over a cluster as the stories do, and they expire Retention after their
// first count (the story itself expires Retention after its ingest, which
// came first): memory stays bounded by what retention keeps.
func (st *Store) AddReach(ctx context.Context, counts map[string]map[string]int64) error {
	if len(counts) == 0 {
		return nil
	}
	ttl := int64(st.retention / time.Second)
	calls := make([]rscript.Call, 0, len(counts))
	for id, byCounter := range counts {
		args := []any{ttl}
		for counter, n := range byCounter {
			args = append(args, counter, n)
		}
		calls = append(calls, rscript.Call{Keys: []string{st.reachKey(id)}, Args: args})
	}
	for _, cmd := range rscript.EvalMany(ctx, st.rdb, reachScript, calls) {
		if err := cmd.Err(); err != nil {
			return fmt.Errorf("stories: add reach: %w", err)
		}
	}
	return nil
}

// reachScript adds ARGV[2], ARGV[3], ... (counter, n pairs) to the reach
// hash KEYS[1] and gives it an expiry of ARGV[1] seconds if it has none.
var reachScript = redis.NewScript(`
for i = 2, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('EXPIRE', KEYS[1], ARGV[1], 'NX')
return 1
`)

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
