package digest

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"herald/subscribers"
)

// MigrateLog moves the version 1 delivery log (one stream,
// <prefix>deliveries) into the shard streams, keeping each entry's ID, and
// into each subscriber's own log, a page at a time, oldest first; each page
// leaves the old stream only once written, so a stopped migration resumes.
// It returns how many entries it moved.
func (l *RedisLog) MigrateLog(ctx context.Context) (int, error) {
	legacy := l.prefix + "deliveries"
	moved := 0
	for {
		page, err := l.rdb.XRangeN(ctx, legacy, "-", "+", 500).Result()
		if err != nil || len(page) == 0 {
			return moved, err
		}
		if err := l.copyLegacy(ctx, page); err != nil {
			return moved, fmt.Errorf("digest: migrate log: %w", err)
		}
		ids := make([]string, len(page))
		for i, m := range page {
			ids[i] = m.ID
		}
		if err := l.rdb.XDel(ctx, legacy, ids...).Err(); err != nil {
			return moved, fmt.Errorf("digest: migrate log: %w", err)
		}
		moved += len(page)
	}
}

// copyLegacy writes one page of old entries into both views. An entry the
// shard stream already has (a resumed page) is refused by XADD and left.
func (l *RedisLog) copyLegacy(ctx context.Context, page []redis.XMessage) error {
	cmds := make([]*redis.StringCmd, len(page))
	_, _ = l.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range page {
			d := deliveryFrom(m)
			cmds[i] = p.XAdd(ctx, &redis.XAddArgs{Stream: l.keyFor(d.SubscriberID), ID: m.ID, Values: deliveryFields(d)})
		}
		return nil
	})
	_, err := l.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range page {
			if cmds[i].Err() != nil {
				continue // already copied
			}
			d := deliveryFrom(m)
			key := subscribers.LogKey(l.prefix, d.SubscriberID)
			p.LPush(ctx, key, l.Entry(d))
			p.LTrim(ctx, key, 0, subscribers.LogCap-1)
		}
		return nil
	})
	return err
}
