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
	Result       string // sent, empty, temporary, failed (retries used up), permanent
	Attempt      int    // 1 for the first try at this window
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
		Stream: l.key, MaxLen: l.maxLen, Approx: true, Values: deliveryFields(d),
	}).Err()
	if err != nil {
		return fmt.Errorf("digest: record delivery: %w", err)
	}
	return nil
}

// deliveryFields are the field-value pairs of one delivery's stream entry.
func deliveryFields(d Delivery) []any {
	return []any{
		"sub", d.SubscriberID, "msg", d.MessageID, "channel", d.Channel,
		"start", d.WindowStart.UnixMilli(), "end", d.WindowEnd.UnixMilli(),
		"stories", d.Stories, "result", d.Result, "attempt", d.Attempt, "error", d.Error, "at", d.At.UnixMilli(),
	}
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
	attempt, _ := strconv.Atoi(s("attempt"))
	return Delivery{
		ID: m.ID, SubscriberID: s("sub"), MessageID: s("msg"), Channel: s("channel"),
		WindowStart: ms("start"), WindowEnd: ms("end"), Stories: n,
		Result: s("result"), Attempt: attempt, Error: s("error"), At: ms("at"),
	}
}

// Query selects deliveries from the log, newest first.
type Query struct {
	SubscriberID string    // only this subscriber, "" for all
	Failed       bool      // only temporary and permanent failures
	Since        time.Time // only entries at or after this time; zero for all
	Limit        int       // at most this many; default 50
	Scan         int64     // read at most this many entries; default 100,000
}

// Find returns the deliveries matching q, newest first.
func (l *RedisLog) Find(ctx context.Context, q Query) ([]Delivery, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Scan <= 0 {
		q.Scan = 100_000
	}
	min := "-"
	if !q.Since.IsZero() {
		min = strconv.FormatInt(q.Since.UnixMilli(), 10) + "-0"
	}
	var out []Delivery
	max := "+"
	for read := int64(0); read < q.Scan && len(out) < q.Limit; {
		page, err := l.rdb.XRevRangeN(ctx, l.key, max, min, 1000).Result()
		if err != nil {
			return nil, fmt.Errorf("digest: read deliveries: %w", err)
		}
		for _, m := range page {
			if d := deliveryFrom(m); q.matches(d) && len(out) < q.Limit {
				out = append(out, d)
			}
		}
		read += int64(len(page))
		if len(page) < 1000 {
			break
		}
		max = "(" + page[len(page)-1].ID
	}
	return out, nil
}

func (q Query) matches(d Delivery) bool {
	if q.SubscriberID != "" && d.SubscriberID != q.SubscriberID {
		return false
	}
	return !q.Failed || d.Result == "temporary" || d.Result == "permanent" || d.Result == "failed"
}
