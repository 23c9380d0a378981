package subscribers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Upcoming is one subscriber falling due.
type Upcoming struct {
	ID string
	At time.Time
}

// Upcoming returns the next n subscribers to fall due after now, soonest
// first: the first n of each due shard (one pipelined read a shard), merged.
func (st *Store) Upcoming(ctx context.Context, now time.Time, n int) ([]Upcoming, error) {
	rng := &redis.ZRangeBy{Min: "(" + strconv.FormatInt(now.UnixMilli(), 10), Max: "(" + strconv.FormatInt(int64(notDue), 10), Count: int64(n)}
	cmds := make([]*redis.ZSliceCmd, st.shards)
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range cmds {
			cmds[i] = p.ZRangeByScoreWithScores(ctx, st.shardKey("due", i), rng)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("subscribers: upcoming: %w", err)
	}
	var out []Upcoming
	for _, c := range cmds {
		for _, z := range c.Val() {
			id, _ := z.Member.(string)
			out = append(out, Upcoming{ID: id, At: msTime(time.UnixMilli(int64(z.Score)))})
		}
	}
	slices.SortFunc(out, func(a, b Upcoming) int { return cmp.Compare(a.At.UnixMilli(), b.At.UnixMilli()) })
	return out[:min(len(out), n)], nil
}
