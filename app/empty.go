package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Empty digests by channel. A digest with no stories sends nothing and is
// not in the delivery log, so the dashboard's per-channel tables count
// them from counters of their own: the runner reports each one to the
// recorder (eventLog.RecordEmpty), the counts add up in memory and each
// RecordRun writes them, one HINCRBY a channel into a HASH of the minute
// (for the last hour, kept emptyKeep) and one into a HASH of the hour (for
// the last day, kept emptyDayKeep). Counts of a process that dies mid-run
// are lost with it.

// emptyDayKeep is how long an hour's counts are kept: a day and an hour.
const emptyDayKeep = 25 * time.Hour

// emptyTally is the empty digests by channel not yet written.
type emptyTally struct {
	mu sync.Mutex
	by map[string]int64
}

func (t *emptyTally) add(channel string, n int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.by == nil {
		t.by = map[string]int64{}
	}
	t.by[channel] += n
}

// take hands over the counts and starts afresh.
func (t *emptyTally) take() map[string]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	by := t.by
	t.by = nil
	return by
}

// putBack returns counts that were not written.
func (t *emptyTally) putBack(by map[string]int64) {
	for channel, n := range by {
		t.add(channel, n)
	}
}

func (a *App) emptyMinuteKey(minute int64) string {
	return a.Cfg.RedisPrefix + "status:empty:m:" + strconv.FormatInt(minute, 10)
}

func (a *App) emptyHourKey(hour int64) string {
	return a.Cfg.RedisPrefix + "status:empty:h:" + strconv.FormatInt(hour, 10)
}

// writeEmpties writes the empty digests counted since the last write,
// under the minute and hour of at.
func (a *App) writeEmpties(ctx context.Context, at time.Time) error {
	by := a.empties.take()
	if len(by) == 0 {
		return nil
	}
	minute, hour := a.emptyMinuteKey(at.Unix()/60), a.emptyHourKey(at.Unix()/3600)
	_, err := a.RDB.Pipelined(ctx, func(p redis.Pipeliner) error {
		for channel, n := range by {
			p.HIncrBy(ctx, minute, channel, n)
			p.HIncrBy(ctx, hour, channel, n)
		}
		p.Expire(ctx, minute, emptyKeep)
		p.Expire(ctx, hour, emptyDayKeep)
		return nil
	})
	if err != nil {
		a.empties.putBack(by)
		return fmt.Errorf("status: empty digests by channel: %w", err)
	}
	return nil
}

// EmptyByChannel counts the digests with no stories by channel from since
// up to now: to the minute over the last two hours, to the hour beyond
// (the hours that end after since, so a day reads 25 keys, not 1,441).
func (a *App) EmptyByChannel(ctx context.Context, since, now time.Time) (map[string]int64, error) {
	var keys []string
	if now.Sub(since) <= emptyKeep-time.Minute {
		for m := since.Unix() / 60; m <= now.Unix()/60; m++ {
			keys = append(keys, a.emptyMinuteKey(m))
		}
	} else {
		for h := since.Unix() / 3600; h <= now.Unix()/3600; h++ {
			keys = append(keys, a.emptyHourKey(h))
		}
	}
	return a.sumHashes(ctx, keys)
}

// sumHashes adds up the fields of the HASHes at keys (one pipelined
// HGETALL each; a missing key counts nothing).
func (a *App) sumHashes(ctx context.Context, keys []string) (map[string]int64, error) {
	cmds := make([]*redis.MapStringStringCmd, len(keys))
	_, err := a.RDB.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HGetAll(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("status: empty digests by channel: %w", err)
	}
	out := map[string]int64{}
	for _, c := range cmds {
		for channel, v := range c.Val() {
			n, _ := strconv.ParseInt(v, 10, 64)
			out[channel] += n
		}
	}
	return out, nil
}
