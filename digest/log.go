package digest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/shard"
	"herald/subscribers"
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

	// StoryIDs are the stories the message carried, and Alert says it went
	// to an instant subscriber. Neither is written to the delivery log:
	// they are for a Recorder's own in-process tallies (where a story went).
	StoryIDs []string
	Alert    bool
}

// Recorder keeps the delivery log.
type Recorder interface {
	Record(ctx context.Context, d Delivery) error
}

// EmptyRecorder is what a Recorder may offer to hear of a digest with no
// stories, which sends nothing and is not in the delivery log.
type EmptyRecorder interface {
	RecordEmpty(d Delivery)
}

type discardRecorder struct{}

func (discardRecorder) Record(context.Context, Delivery) error { return nil }

// RedisLog is the delivery log in two views. The shared view is one capped
// stream a shard, <prefix>deliveries:{<t>}, a delivery in its subscriber's
// shard, so writing it spreads over a cluster's masters; reading it merges
// the shards. The subscriber's view is a capped list in the subscriber's
// own slot (subscribers.LogKey), written by the script that moves its
// cursor, so "what did this reader get this week" is one read however big
// the shared view grows.
type RedisLog struct {
	rdb    redis.UniversalClient
	prefix string
	maxLen int64
	shards int
}

// NewRedisLog returns a log whose shard streams keep about maxLen entries
// each (default 100,000), over shards shards (shard.DefaultCount when 0).
func NewRedisLog(rdb redis.UniversalClient, prefix string, maxLen int64, shards int) *RedisLog {
	if maxLen <= 0 {
		maxLen = 100_000
	}
	if shards <= 0 {
		shards = shard.DefaultCount
	}
	return &RedisLog{rdb: rdb, prefix: prefix, maxLen: maxLen, shards: shards}
}

func (l *RedisLog) shardKey(i int) string {
	return l.prefix + "deliveries:{" + shard.Tags(l.shards)[i] + "}"
}

func (l *RedisLog) keyFor(subID string) string { return l.shardKey(shard.Of(subID, l.shards)) }

// Record appends one delivery to both views.
func (l *RedisLog) Record(ctx context.Context, d Delivery) error {
	_, err := l.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.XAdd(ctx, &redis.XAddArgs{Stream: l.keyFor(d.SubscriberID), MaxLen: l.maxLen, Approx: true, Values: deliveryFields(d)})
		key := subscribers.LogKey(l.prefix, d.SubscriberID)
		p.LPush(ctx, key, l.Entry(d))
		p.LTrim(ctx, key, 0, subscribers.LogCap-1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("digest: record delivery: %w", err)
	}
	return nil
}

// deliveryFields are the field-value pairs of one delivery's stream entry.
func deliveryFields(d Delivery) []any {
	return appendDeliveryFields(make([]any, 0, fieldsPerDelivery), d)
}

// appendDeliveryFields appends deliveryFields(d) to dst.
func appendDeliveryFields(dst []any, d Delivery) []any {
	return append(dst,
		"sub", d.SubscriberID, "msg", d.MessageID, "channel", d.Channel,
		"start", d.WindowStart.UnixMilli(), "end", d.WindowEnd.UnixMilli(),
		"stories", d.Stories, "result", d.Result, "attempt", d.Attempt, "error", d.Error, "at", d.At.UnixMilli(),
	)
}

// fieldsPerDelivery is len(deliveryFields(d)) for every d.
var fieldsPerDelivery = len(appendDeliveryFields(nil, Delivery{}))

// Recent returns up to n most recent deliveries, newest first.
func (l *RedisLog) Recent(ctx context.Context, n int64) ([]Delivery, error) {
	return l.Find(ctx, Query{Limit: int(n)})
}

func deliveryFrom(m redis.XMessage) Delivery {
	s := func(k string) string { v, _ := m.Values[k].(string); return v }
	d := Delivery{ID: m.ID, SubscriberID: s("sub"), MessageID: s("msg"), Channel: s("channel"),
		Result: s("result"), Error: s("error")}
	d.WindowStart, d.WindowEnd, d.At = msAt(s("start")), msAt(s("end")), msAt(s("at"))
	d.Stories, _ = strconv.Atoi(s("stories"))
	d.Attempt, _ = strconv.Atoi(s("attempt"))
	return d
}

func msAt(v string) time.Time {
	n, _ := strconv.ParseInt(v, 10, 64)
	return time.UnixMilli(n).UTC()
}
