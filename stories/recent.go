package stories

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Recent is one page of a topic's index, newest ingest first: up to limit
// entries after the first offset, and how many the index holds. It reads
// one key (ZREVRANGE and ZCARD in one pipeline). An entry may name a story
// past retention that the sweep has not removed yet; GetMany skips it.
func (st *Store) Recent(ctx context.Context, slug string, offset, limit int) ([]Entry, int64, error) {
	var page *redis.ZSliceCmd
	var total *redis.IntCmd
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		page = p.ZRevRangeWithScores(ctx, st.topicKey(slug), int64(offset), int64(offset+limit-1))
		total = p.ZCard(ctx, st.topicKey(slug))
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("stories: recent %q: %w", slug, err)
	}
	return toEntries(page.Val()), total.Val(), nil
}

// RecentMany returns, for each of slugs, up to limit of its index's
// newest entries (by ingest), newest first: one pipelined ZREVRANGE a
// topic. Topics with no entries are absent from the map.
func (st *Store) RecentMany(ctx context.Context, slugs []string, limit int) (map[string][]Entry, error) {
	return st.perTopic(ctx, "recent", slugs, func(p redis.Pipeliner, key string) *redis.ZSliceCmd {
		return p.ZRevRangeWithScores(ctx, key, 0, int64(limit-1))
	})
}
