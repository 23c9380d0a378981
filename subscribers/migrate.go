package subscribers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// MigrateReport counts what Migrate converted.
type MigrateReport struct {
	Subscribers  int
	Suppressions int
	Topics       int // topics whose follower count was recomputed
}

// migratePage is how many subscribers Migrate converts a step.
const migratePage = 500

// Migrate converts a version 1 store to this layout, a page of
// subscribers at a time: each subscriber's topic set goes into its hash,
// its shard list and due shard get its entries, and only then does it
// leave the version 1 lists, so a migration stopped half way resumes where
// it stopped and a second run changes nothing. Suppressions move the same
// way; follower counts are recomputed from the subscribers; the layout is
// stamped last. The delivery log is digest's: see digest.MigrateLog.
func (st *Store) Migrate(ctx context.Context, progress func(MigrateReport)) (MigrateReport, error) {
	var rep MigrateReport
	steps := []func(context.Context, *MigrateReport, func(MigrateReport)) error{
		st.migrateSubscribers, st.migrateDue, st.migrateSuppressed, st.recount,
	}
	for _, step := range steps {
		if err := step(ctx, &rep, progress); err != nil {
			return rep, fmt.Errorf("subscribers: migrate: %w", err)
		}
	}
	if err := st.rdb.Del(ctx, st.legacySubs()).Err(); err != nil {
		return rep, fmt.Errorf("subscribers: migrate: %w", err)
	}
	return rep, st.stampLayout(ctx)
}

func (st *Store) migrateSubscribers(ctx context.Context, rep *MigrateReport, progress func(MigrateReport)) error {
	for {
		ids, err := st.rdb.ZRangeByLex(ctx, st.legacyIDs(), &redis.ZRangeBy{Min: "-", Max: "+", Count: migratePage}).Result()
		if err != nil || len(ids) == 0 {
			return err
		}
		for _, id := range ids {
			if err := st.migrateOne(ctx, id); err != nil {
				return fmt.Errorf("subscriber %s: %w", id, err)
			}
		}
		if err := st.rdb.ZRem(ctx, st.legacyIDs(), toAny(ids)...).Err(); err != nil {
			return err
		}
		rep.Subscribers += len(ids)
		if progress != nil {
			progress(*rep)
		}
	}
}

// migrateOne converts one subscriber's own keys, then lists it.
func (st *Store) migrateOne(ctx context.Context, id string) error {
	ok, err := migrateScript.Run(ctx, st.rdb, []string{st.subKey(id), st.legacyTopics(id)}).Int()
	if err != nil || ok == 0 {
		return err // ok 0: a listed ID without a hash
	}
	sub, err := st.Get(ctx, id)
	if err != nil {
		return err
	}
	score, err := st.rdb.ZScore(ctx, st.legacyDue(), id).Result()
	if errors.Is(err, redis.Nil) {
		score, err = notDue, nil
	}
	if err != nil {
		return err
	}
	_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAddNX(ctx, st.dueKey(id), redis.Z{Member: id, Score: score})
		for _, t := range sub.Topics {
			if isInstant(sub.Schedule) {
				p.SAdd(ctx, st.instantKey(t), id)
			}
		}
		p.ZRem(ctx, st.legacyDue(), id)
		return nil
	})
	return err
}

// migrateDue moves due entries left by subscribers no longer listed, and
// drops those whose subscriber is gone.
func (st *Store) migrateDue(ctx context.Context, _ *MigrateReport, _ func(MigrateReport)) error {
	for {
		zs, err := st.rdb.ZRangeWithScores(ctx, st.legacyDue(), 0, migratePage-1).Result()
		if err != nil || len(zs) == 0 {
			return err
		}
		exists := make([]*redis.IntCmd, len(zs))
		_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, z := range zs {
				exists[i] = p.Exists(ctx, st.subKey(fmt.Sprint(z.Member)))
			}
			return nil
		})
		if err != nil {
			return err
		}
		_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, z := range zs {
				id := fmt.Sprint(z.Member)
				if exists[i].Val() == 1 {
					p.ZAddNX(ctx, st.dueKey(id), z)
				}
				p.ZRem(ctx, st.legacyDue(), id)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
}

// migrateSuppressed moves the suppression list into its shards.
func (st *Store) migrateSuppressed(ctx context.Context, rep *MigrateReport, _ func(MigrateReport)) error {
	for {
		kv, _, err := st.rdb.HScan(ctx, st.legacySuppressed(), 0, "", migratePage).Result()
		if err != nil || len(kv) == 0 {
			return err
		}
		_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := 0; i+1 < len(kv); i += 2 {
				p.HSetNX(ctx, st.suppressedKey(kv[i]), strings.ToLower(kv[i]), kv[i+1])
				p.HDel(ctx, st.legacySuppressed(), kv[i])
			}
			return nil
		})
		if err != nil {
			return err
		}
		rep.Suppressions += len(kv) / 2
	}
}

// recount sets every followed topic's follower count from the subscribers
// themselves, and drops the version 1 follower sets.
func (st *Store) recount(ctx context.Context, rep *MigrateReport, _ func(MigrateReport)) error {
	counts := map[string]int64{}
	for after := ""; ; {
		subs, next, err := st.List(ctx, after, MaxListLimit)
		if err != nil {
			return err
		}
		for _, s := range subs {
			for _, t := range s.Topics {
				counts[t]++
			}
		}
		if after = next; next == "" {
			break
		}
	}
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for t, n := range counts {
			p.Set(ctx, st.followersKey(t), n, 0)
			p.Del(ctx, st.legacyFollowers(t))
		}
		return nil
	})
	rep.Topics = len(counts)
	return err
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// migrateScript: KEYS sub hash, its version 1 topic set. Moves the topics
// into the hash, drops the id field and empty fields. Replies 0 when the
// hash is missing.
var migrateScript = redis.NewScript(topicsLua + `
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return 0 end
local topics = redis.call('SMEMBERS', KEYS[2])
if #topics > 0 then
  table.sort(topics)
  setTopics(KEYS[1], topics)
end
redis.call('DEL', KEYS[2])
redis.call('HDEL', KEYS[1], 'id')
for i = 1, #h, 2 do
  if h[i + 1] == '' or (h[i + 1] == '0' and (h[i] == 'bounces' or h[i] == 'attempts' or h[i] == 'max_stories')) then
    redis.call('HDEL', KEYS[1], h[i])
  end
end
return 1
`)
