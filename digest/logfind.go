package digest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"herald/subscribers"
)

// Query selects deliveries from the log, newest first.
type Query struct {
	SubscriberID string    // only this subscriber (its own log), "" for all
	Failed       bool      // only temporary and permanent failures
	Since        time.Time // only entries at or after this time; zero for all
	Limit        int       // at most this many; default 50
	Scan         int64     // read at most this many shared entries; default 100,000
}

// Find returns the deliveries matching q, newest first. A subscriber's
// deliveries come from its own log (the last subscribers.LogCap of them);
// all deliveries from the shard streams, merged.
func (l *RedisLog) Find(ctx context.Context, q Query) ([]Delivery, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Scan <= 0 {
		q.Scan = 100_000
	}
	if q.SubscriberID != "" {
		return l.findOwn(ctx, q)
	}
	var out []Delivery
	for i := range l.shards {
		ds, err := l.findShard(ctx, l.shardKey(i), q, max(q.Scan/int64(l.shards), 1000))
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	slices.SortFunc(out, func(a, b Delivery) int { return -compareIDs(a.ID, b.ID) })
	return out[:min(len(out), q.Limit)], nil
}

// findShard reads one shard stream newest first, at most scan entries,
// keeping up to q.Limit matches (no more can make the merged page).
func (l *RedisLog) findShard(ctx context.Context, key string, q Query, scan int64) ([]Delivery, error) {
	lo := "-"
	if !q.Since.IsZero() {
		lo = strconv.FormatInt(q.Since.UnixMilli(), 10) + "-0"
	}
	var out []Delivery
	hi := "+"
	for read := int64(0); read < scan && len(out) < q.Limit; {
		page, err := l.rdb.XRevRangeN(ctx, key, hi, lo, 1000).Result()
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
		hi = "(" + page[len(page)-1].ID
	}
	return out, nil
}

// findOwn reads a subscriber's own log.
func (l *RedisLog) findOwn(ctx context.Context, q Query) ([]Delivery, error) {
	entries, err := l.rdb.LRange(ctx, subscribers.LogKey(l.prefix, q.SubscriberID), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("digest: read deliveries of %s: %w", q.SubscriberID, err)
	}
	var out []Delivery
	for _, e := range entries {
		d, ok := parseEntry(q.SubscriberID, e)
		if ok && q.matches(d) && (q.Since.IsZero() || !d.At.Before(q.Since)) && len(out) < q.Limit {
			out = append(out, d)
		}
	}
	return out, nil
}

func (q Query) matches(d Delivery) bool {
	if q.SubscriberID != "" && d.SubscriberID != q.SubscriberID {
		return false
	}
	return !q.Failed || d.Result == "temporary" || d.Result == "permanent" || d.Result == "failed"
}

// compareIDs orders stream IDs ("ms-seq").
func compareIDs(a, b string) int {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	an, _ := strconv.ParseInt(am, 10, 64)
	bn, _ := strconv.ParseInt(bm, 10, 64)
	if c := cmp.Compare(an, bn); c != 0 {
		return c
	}
	aseq, _ := strconv.ParseInt(as, 10, 64)
	bseq, _ := strconv.ParseInt(bs, 10, 64)
	return cmp.Compare(aseq, bseq)
}

// Entry is d as an entry of its subscriber's own log: tab-separated, the
// time first, with an ID ("<at ms>-0") so it reads back like a stream
// entry.
func (l *RedisLog) Entry(d Delivery) string {
	var buf [160]byte
	b := strconv.AppendInt(buf[:0], d.At.UnixMilli(), 10)
	for _, f := range [...]string{d.Result, d.Channel, d.MessageID} {
		b = append(append(b, '\t'), f...)
	}
	for _, n := range [...]int64{d.WindowStart.UnixMilli(), d.WindowEnd.UnixMilli(), int64(d.Stories), int64(d.Attempt)} {
		b = strconv.AppendInt(append(b, '\t'), n, 10)
	}
	return string(appendOneLine(append(b, '\t'), d.Error))
}

// appendOneLine appends s with its tabs and line breaks made spaces.
func appendOneLine(b []byte, s string) []byte {
	for _, c := range []byte(s) {
		if c == '\t' || c == '\n' || c == '\r' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}

func parseEntry(subID, e string) (Delivery, bool) {
	f := strings.SplitN(e, "\t", 9)
	if len(f) != 9 {
		return Delivery{}, false
	}
	d := Delivery{ID: f[0] + "-0", SubscriberID: subID, Result: f[1], Channel: f[2], MessageID: f[3], Error: f[8]}
	d.At, d.WindowStart, d.WindowEnd = msAt(f[0]), msAt(f[4]), msAt(f[5])
	d.Stories, _ = strconv.Atoi(f[6])
	d.Attempt, _ = strconv.Atoi(f[7])
	return d, true
}
