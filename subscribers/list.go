package subscribers

import (
	"context"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"
)

// List returns up to limit subscribers (DefaultListLimit when limit <= 0,
// at most MaxListLimit) ordered by ID, starting after the ID after ("" for
// the first page). next is the after of the following page, "" at the end.
// Each shard's list is read from after on, in one pipelined round trip, and
// the pages merged.
func (st *Store) List(ctx context.Context, after string, limit int) (subs []*Subscriber, next string, err error) {
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	ids, err := st.listIDs(ctx, after, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("subscribers: list: %w", err)
	}
	if len(ids) > limit {
		ids, next = ids[:limit], ids[limit-1]
	}
	subs, err = st.getMany(ctx, ids)
	if err != nil {
		return nil, "", fmt.Errorf("subscribers: list: %w", err)
	}
	return subs, next, nil
}

// listIDs returns the first n IDs after after, over every shard, sorted.
func (st *Store) listIDs(ctx context.Context, after string, n int) ([]string, error) {
	lo := "-"
	if after != "" {
		lo = "(" + after
	}
	cmds := make([]*redis.StringSliceCmd, st.shards)
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range cmds {
			cmds[i] = p.ZRangeByLex(ctx, st.shardKey("subs", i), &redis.ZRangeBy{Min: lo, Max: "+", Count: int64(n)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range cmds {
		ids = append(ids, c.Val()...)
	}
	slices.Sort(ids)
	return ids[:min(n, len(ids))], nil
}

// Count returns the number of subscribers.
func (st *Store) Count(ctx context.Context) (int64, error) {
	cmds := make([]*redis.IntCmd, st.shards)
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range cmds {
			cmds[i] = p.ZCard(ctx, st.shardKey("subs", i))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("subscribers: count: %w", err)
	}
	var n int64
	for _, c := range cmds {
		n += c.Val()
	}
	return n, nil
}
