package subscribers

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// ErrOldLayout says the store holds the version 1 layout; Migrate
// converts it.
var ErrOldLayout = errors.New("this Redis holds Herald's version 1 key layout: run `herald migrate` once to convert it")

// CheckLayout makes sure the keys under the store's prefix are laid out as
// this version writes them: a fresh store is stamped with the layout
// version and shard count; a store of the version 1 layout, or one split
// into another number of shards, is refused.
func (st *Store) CheckLayout(ctx context.Context) error {
	h, err := st.rdb.HGetAll(ctx, st.layoutKey()).Result()
	if err != nil {
		return fmt.Errorf("subscribers: layout: %w", err)
	}
	if len(h) == 0 {
		old, err := st.hasLegacy(ctx)
		if err != nil || old {
			return errors.Join(err, ErrOldLayout)
		}
		return st.stampLayout(ctx)
	}
	if n, _ := strconv.Atoi(h["shards"]); n != st.shards {
		return fmt.Errorf("subscribers: this store is split into %s shards, not %d: set HERALD_REDIS_SHARDS=%s in every process", h["shards"], st.shards, h["shards"])
	}
	return nil
}

// stampLayout records the layout version and shard count, unless another
// process did first.
func (st *Store) stampLayout(ctx context.Context) error {
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSetNX(ctx, st.layoutKey(), "version", LayoutVersion)
		p.HSetNX(ctx, st.layoutKey(), "shards", st.shards)
		return nil
	})
	if err != nil {
		return fmt.Errorf("subscribers: layout: %w", err)
	}
	return st.CheckLayout(ctx)
}

// The version 1 keys.
func (st *Store) legacyDue() string                  { return st.prefix + "due" }
func (st *Store) legacySubs() string                 { return st.prefix + "subs" }
func (st *Store) legacyIDs() string                  { return st.prefix + "subs:ids" }
func (st *Store) legacySuppressed() string           { return st.prefix + "suppressed" }
func (st *Store) legacyDeliveries() string           { return st.prefix + "deliveries" }
func (st *Store) legacyTopics(id string) string      { return st.subKey(id) + ":topics" }
func (st *Store) legacyFollowers(slug string) string { return st.prefix + "topic:" + slug + ":subs" }

// hasLegacy reports whether any version 1 global key exists (one EXISTS
// each: on a cluster they live in different slots).
func (st *Store) hasLegacy(ctx context.Context) (bool, error) {
	keys := []string{st.legacyDue(), st.legacyIDs(), st.legacySuppressed(), st.legacyDeliveries()}
	cmds := make([]*redis.IntCmd, len(keys))
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Exists(ctx, k)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("subscribers: layout: %w", err)
	}
	for _, c := range cmds {
		if c.Val() > 0 {
			return true, nil
		}
	}
	return false, nil
}
