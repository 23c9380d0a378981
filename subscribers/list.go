package subscribers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// List returns up to limit subscribers (DefaultListLimit when limit <= 0,
// at most MaxListLimit), starting at the cursor after ("" for the first
// page). next is the cursor of the following page, "" at the end. The
// subscribers come shard by shard, as ZSCAN walks each due shard (which
// holds every subscriber), each page sorted by ID; a subscriber present for
// the whole listing is listed, and listed once unless the shard is resized
// by Redis meanwhile (ZSCAN's guarantee).
func (st *Store) List(ctx context.Context, after string, limit int) (subs []*Subscriber, next string, err error) {
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	cur, err := parseCursor(after, st.shards)
	if err != nil {
		return nil, "", fmt.Errorf("subscribers: list: %w", err)
	}
	ids, cur, err := st.scanIDs(ctx, cur, limit)
	if err == nil {
		cur, err = st.skipEmpty(ctx, cur)
	}
	if err != nil {
		return nil, "", fmt.Errorf("subscribers: list: %w", err)
	}
	slices.Sort(ids)
	subs, err = st.getMany(ctx, ids)
	if err != nil {
		return nil, "", fmt.Errorf("subscribers: list: %w", err)
	}
	if cur.shard < st.shards {
		next = cur.String()
	}
	return subs, next, nil
}

// listCursor is where a listing stands: a shard, ZSCAN's cursor in it, and
// how many members of the batch at that cursor were already listed.
type listCursor struct {
	shard int
	scan  uint64
	skip  int
}

func (c listCursor) String() string {
	return fmt.Sprintf("%d.%d.%d", c.shard, c.scan, c.skip)
}

func parseCursor(s string, shards int) (listCursor, error) {
	if s == "" {
		return listCursor{}, nil
	}
	f := strings.Split(s, ".")
	if len(f) != 3 {
		return listCursor{}, fmt.Errorf("cursor %q: %w", s, ErrBadCursor)
	}
	var c listCursor
	var e1, e2, e3 error
	c.shard, e1 = strconv.Atoi(f[0])
	c.scan, e2 = strconv.ParseUint(f[1], 10, 64)
	c.skip, e3 = strconv.Atoi(f[2])
	if e1 != nil || e2 != nil || e3 != nil || c.shard < 0 || c.shard >= shards || c.skip < 0 {
		return listCursor{}, fmt.Errorf("cursor %q: %w", s, ErrBadCursor)
	}
	return c, nil
}

// ErrBadCursor says a List cursor was not one List returned.
var ErrBadCursor = fmt.Errorf("not a subscriber list cursor")

// scanIDs takes up to n IDs from cur on and returns where it stopped.
func (st *Store) scanIDs(ctx context.Context, cur listCursor, n int) ([]string, listCursor, error) {
	var ids []string
	for len(ids) < n && cur.shard < st.shards {
		flat, next, err := st.rdb.ZScan(ctx, st.shardKey("due", cur.shard), cur.scan, "", int64(n)).Result()
		if err != nil {
			return nil, cur, err
		}
		batch := members(flat)
		take := batch[min(cur.skip, len(batch)):]
		if room := n - len(ids); len(take) > room {
			ids = append(ids, take[:room]...)
			cur.skip += room
			break
		}
		ids = append(ids, take...)
		cur.scan, cur.skip = next, 0
		if next == 0 {
			cur.shard++
		}
	}
	return ids, cur, nil
}

// skipEmpty moves a cursor that stands at the start of a shard past the
// shards that are empty, so a listing that took the last subscriber ends
// there rather than with an empty page.
func (st *Store) skipEmpty(ctx context.Context, cur listCursor) (listCursor, error) {
	if cur.shard >= st.shards || cur.scan != 0 || cur.skip != 0 {
		return cur, nil
	}
	cards := make([]*redis.IntCmd, st.shards-cur.shard)
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range cards {
			cards[i] = p.ZCard(ctx, st.shardKey("due", cur.shard+i))
		}
		return nil
	})
	if err != nil {
		return cur, err
	}
	for _, c := range cards {
		if c.Val() > 0 {
			return cur, nil
		}
		cur.shard++
	}
	return cur, nil
}

// members takes the members of a flat ZSCAN reply (member, score, …).
func members(flat []string) []string {
	out := make([]string, 0, len(flat)/2)
	for i := 0; i < len(flat); i += 2 {
		out = append(out, flat[i])
	}
	return out
}

// Count returns the number of subscribers.
func (st *Store) Count(ctx context.Context) (int64, error) {
	cmds := make([]*redis.IntCmd, st.shards)
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range cmds {
			cmds[i] = p.ZCard(ctx, st.shardKey("due", i))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("subscribers: count: %w", err)
	}
	var n int64
	for _, c := range cmds {
		n += c.Val()
	}
	return n, nil
}
