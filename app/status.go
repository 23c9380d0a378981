package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/digest"
)

// emptyKeep is how long a minute's count of empty outcomes is kept: long
// enough for "the last hour" at any moment of it.
const emptyKeep = 2 * time.Hour

// emptyKey is the counter of digests with no stories in one minute. Empty
// outcomes are not in the delivery log (one stream entry per reader per
// slot would dwarf it); a counter per minute costs two commands a run.
func (a *App) emptyKey(minute int64) string {
	return a.Cfg.RedisPrefix + "status:empty:" + strconv.FormatInt(minute, 10)
}

// RecordRun publishes a dispatch for "herald status": when it ran, and how
// many digests it found with no stories (in all, and by channel); and it
// writes the run's story reach counts still in memory. Every run reports,
// the ticks of serve, run --once and POST /v1/dispatch alike.
func (a *App) RecordRun(ctx context.Context, at time.Time, st digest.Stats) {
	a.publishRun(ctx, at, st)
	if err := a.writeEmpties(ctx, at); err != nil {
		a.Logger.Warn("publish run", slog.Any("error", err))
	}
	if err := a.Reach.Flush(ctx); err != nil {
		a.Logger.Warn("story reach not written; kept for the next run", slog.Any("error", err))
	}
}

func (a *App) publishRun(ctx context.Context, at time.Time, st digest.Stats) {
	_, err := a.RDB.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, a.Cfg.RedisPrefix+"status:last_tick", at.UnixMilli(), 0)
		if st.Empty > 0 {
			k := a.emptyKey(at.Unix() / 60)
			p.IncrBy(ctx, k, int64(st.Empty))
			p.Expire(ctx, k, emptyKeep)
		}
		return nil
	})
	if err != nil {
		a.Logger.Warn("publish run", slog.Any("error", err))
	}
}

// EmptySince counts the digests with no stories from since (to the minute)
// up to now.
func (a *App) EmptySince(ctx context.Context, since, now time.Time) (int64, error) {
	var cmds []*redis.StringCmd
	_, err := a.RDB.Pipelined(ctx, func(p redis.Pipeliner) error {
		for m := since.Unix() / 60; m <= now.Unix()/60; m++ {
			cmds = append(cmds, p.Get(ctx, a.emptyKey(m)))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("status: empty outcomes: %w", err)
	}
	var n int64
	for _, c := range cmds {
		v, _ := c.Int64()
		n += v
	}
	return n, nil
}
