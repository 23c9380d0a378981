package digest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Delivery is one entry of the delivery log: who, which window, which
// channel, what happened.
type Delivery struct {
	ID           string // stream entry id, set when read back
	SubscriberID string
	MessageID    string
	Channel      string
	WindowStart  time.Time
	WindowEnd    time.Time
	Stories      int
	Result       string // sent, empty, temporary, permanent
	Error        string
	At           time.Time
}

// Recorder keeps the delivery log.
type Recorder interface {
	Record(ctx context.Context, d Delivery) error
}

type discardRecorder struct{}

func (discardRecorder) Record(context.Context, Delivery) error { return nil }

// RedisLog is the delivery log as a capped Redis stream (<prefix>deliveries).
type RedisLog struct {
	rdb    redis.UniversalClient
	key    string
	maxLen int64
}

// NewRedisLog returns a log keeping about maxLen entries (default 100,000).
func NewRedisLog(rdb redis.UniversalClient, prefix string, maxLen int64) *RedisLog {
	if maxLen <= 0 {
		maxLen = 100_000
	}
	return &RedisLog{rdb: rdb, key: prefix + "deliveries", maxLen: maxLen}
}

// Record appends one delivery.
func (l *RedisLog) Record(ctx context.Context, d Delivery) error {
	err := l.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: l.key, MaxLen: l.maxLen, Approx: true,
		Values: []any{
			"sub", d.SubscriberID, "msg", d.MessageID, "channel", d.Channel,
			"start", d.WindowStart.UnixMilli(), "end", d.WindowEnd.UnixMilli(),
			"stories", d.Stories, "result", d.Result, "error", d.Error, "at", d.At.UnixMilli(),
		},
	}).Err()
	if err != nil {
		return fmt.Errorf("digest: record delivery: %w", err)
	}
	return nil
}

// Recent returns up to n most recent deliveries, newest first.
func (l *RedisLog) Recent(ctx context.Context, n int64) ([]Delivery, error) {
	msgs, err := l.rdb.XRevRangeN(ctx, l.key, "+", "-", n).Result()
	if err != nil {
		return nil, fmt.Errorf("digest: read deliveries: %w", err)
	}
	out := make([]Delivery, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, deliveryFrom(m))
	}
	return out, nil
}

func deliveryFrom(m redis.XMessage) Delivery {
	s := func(k string) string { v, _ := m.Values[k].(string); return v }
	ms := func(k string) time.Time {
		n, _ := strconv.ParseInt(s(k), 10, 64)
		return time.UnixMilli(n).UTC()
	}
	n, _ := strconv.Atoi(s("stories"))
	return Delivery{
		ID: m.ID, SubscriberID: s("sub"), MessageID: s("msg"), Channel: s("channel"),
		WindowStart: ms("start"), WindowEnd: ms("end"), Stories: n,
		Result: s("result"), Error: s("error"), At: ms("at"),
	}
}
