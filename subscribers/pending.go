package subscribers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Unconfirmed sign-ups expire. A pending subscriber (waiting for its double
// opt-in) carries pending_since in its hash, the time of the last write
// that left it pending (a sign-up, a re-sent confirmation, an edit), and
// sits in its shard's pending set with that time as its score.
// ExpirePending reads each shard's set by score, so no process ever scans
// the keyspace, and removes a subscriber only when its own hash, checked
// and deleted in one script, still says it is pending since before the
// cut-off: a confirmation racing the sweep wins or loses whole.

// expireBatch is how many IDs one read of a pending shard takes.
const expireBatch = 200

// pendingFields are the hash fields that record when sub became pending:
// pending_since set to now while it is pending, dropped when it stops.
func pendingFields(sub *Subscriber, wasPending bool, now time.Time) []any {
	switch {
	case sub.Status == StatusPending:
		return []any{"pending_since", strconv.FormatInt(now.UnixMilli(), 10)}
	case wasPending:
		return []any{"pending_since", ""}
	}
	return nil
}

// trackPending brings sub's pending shard in line after a write of its
// hash with pendingFields.
func (st *Store) trackPending(ctx context.Context, sub *Subscriber, wasPending bool, now time.Time) error {
	switch {
	case sub.Status == StatusPending:
		return st.rdb.ZAdd(ctx, st.pendingKey(sub.ID), redis.Z{Score: float64(now.UnixMilli()), Member: sub.ID}).Err()
	case wasPending:
		return st.rdb.ZRem(ctx, st.pendingKey(sub.ID), sub.ID).Err()
	}
	return nil
}

// ExpirePending removes every subscriber that has been pending for longer
// than age, with all its keys, and reports how many it removed. Several
// processes may run it at once: each subscriber is removed by one.
func (st *Store) ExpirePending(ctx context.Context, age time.Duration) (int, error) {
	cutoff := st.now().Add(-age).UnixMilli()
	total := 0
	for i := range st.shards {
		n, err := st.expireShard(ctx, st.shardKey("pending", i), cutoff)
		total += n
		if err != nil {
			return total, fmt.Errorf("subscribers: expire pending: %w", err)
		}
	}
	return total, nil
}

// expireShard expires the subscribers of one pending shard pending since
// before cutoff (unix ms), a batch at a time.
func (st *Store) expireShard(ctx context.Context, key string, cutoff int64) (int, error) {
	removed := 0
	for {
		ids, err := st.rdb.ZRangeByScore(ctx, key, &redis.ZRangeBy{
			Min: "-inf", Max: "(" + strconv.FormatInt(cutoff, 10), Count: expireBatch}).Result()
		if err != nil {
			return removed, err
		}
		cleared := 0
		for _, id := range ids {
			gone, left, err := st.expireOne(ctx, key, id, cutoff)
			if err != nil {
				return removed, err
			}
			removed, cleared = removed+gone, cleared+left
		}
		if len(ids) < expireBatch || cleared < len(ids) {
			return removed, nil // done, or only entries renewed meanwhile are left
		}
	}
}

// expireOne removes subscriber id if it is still pending since before
// cutoff. removed is 1 when it was; left is 1 when id has left the pending
// shard (removed, or a stale entry dropped).
func (st *Store) expireOne(ctx context.Context, key, id string, cutoff int64) (removed, left int, err error) {
	old, err := st.Get(ctx, id)
	if errors.Is(err, ErrNotFound) { // a stale entry
		return 0, 1, st.rdb.ZRem(ctx, key, id).Err()
	}
	if err != nil {
		return 0, 0, err
	}
	res, err := expireScript.Run(ctx, st.rdb, []string{st.subKey(id), st.logKey(id)}, cutoff).Int()
	switch {
	case err != nil:
		return 0, 0, err
	case res == 0: // pending again since the read: its score moves too
		return 0, 0, nil
	case res < 0: // confirmed or removed meanwhile
		return 0, 1, st.rdb.ZRem(ctx, key, id).Err()
	}
	return 1, 1, st.unindex(ctx, old)
}

// expireScript: KEYS the subscriber's hash and log; ARGV cutoff (unix ms).
// Deletes both when the subscriber is pending since before cutoff (1); 0
// when it is pending since cutoff or later; -1 when it is gone or not pending.
var expireScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'status', 'pending_since', 'created_at')
if h[1] ~= 'pending' then return -1 end
if tonumber(h[2] or h[3] or '0') >= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`)
