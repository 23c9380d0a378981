package feeds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/keylease"
)

// Store keeps feeds and their status in Redis. It is safe for concurrent
// use.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewStore returns a store whose keys all start with prefix.
func NewStore(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{rdb: rdb, prefix: prefix}
}

// Add normalizes, validates and stores a feed: a new URL is added with an
// empty status (due now); a known one has its settings replaced and keeps
// its status. created says which.
func (s *Store) Add(ctx context.Context, f *Feed) (created bool, err error) {
	f.Normalize()
	if err := f.Validate(); err != nil {
		return false, err
	}
	cfg, err := json.Marshal(config(*f))
	if err != nil {
		return false, err
	}
	created, err = s.rdb.HSetNX(ctx, s.feedKey(f.ID), fieldConfig, cfg).Result()
	if err == nil && !created {
		err = s.rdb.HSet(ctx, s.feedKey(f.ID), fieldConfig, cfg).Err()
	}
	if err == nil {
		err = s.rdb.SAdd(ctx, s.indexKey(), f.ID).Err() // after the hash: List skips an ID without one
	}
	if err != nil {
		return false, fmt.Errorf("feeds: add %s: %w", f.ID, err)
	}
	return created, nil
}

// config is a feed without its status, as the config field stores it.
func config(f Feed) Feed {
	f.Status = Status{}
	return f
}

// Get reads one feed.
func (s *Store) Get(ctx context.Context, id string) (*Feed, error) {
	if !validID(id) {
		return nil, fmt.Errorf("%w: no feed %q", ErrNotFound, id)
	}
	vals, err := s.rdb.HMGet(ctx, s.feedKey(id), fieldConfig, fieldStatus).Result()
	if err != nil {
		return nil, fmt.Errorf("feeds: get %s: %w", id, err)
	}
	return decodeFeed(id, vals)
}

func decodeFeed(id string, vals []any) (*Feed, error) {
	cfg, ok := vals[0].(string)
	if !ok {
		return nil, fmt.Errorf("%w: no feed %s", ErrNotFound, id)
	}
	var f Feed
	if err := json.Unmarshal([]byte(cfg), &f); err != nil {
		return nil, fmt.Errorf("feeds: %s: config: %w", id, err)
	}
	if st, ok := vals[1].(string); ok {
		if err := json.Unmarshal([]byte(st), &f.Status); err != nil {
			return nil, fmt.Errorf("feeds: %s: status: %w", id, err)
		}
	}
	return &f, nil
}

// List reads every feed, sorted by URL: the index, then each feed's hash
// in one pipeline.
func (s *Store) List(ctx context.Context) ([]*Feed, error) {
	ids, err := s.rdb.SMembers(ctx, s.indexKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("feeds: list: %w", err)
	}
	cmds := make([]*redis.SliceCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, s.feedKey(id), fieldConfig, fieldStatus)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("feeds: list: %w", err)
	}
	out := make([]*Feed, 0, len(ids))
	for i, id := range ids {
		f, err := decodeFeed(id, cmds[i].Val())
		if errors.Is(err, ErrNotFound) {
			continue // removed under us
		}
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b *Feed) int { return strings.Compare(a.URL, b.URL) })
	return out, nil
}

// Remove deletes a feed, its status and its lease. The stories it brought
// in stay.
func (s *Store) Remove(ctx context.Context, id string) error {
	if !validID(id) {
		return fmt.Errorf("%w: no feed %q", ErrNotFound, id)
	}
	n, err := s.rdb.SRem(ctx, s.indexKey(), id).Result()
	if err == nil {
		var d int64
		d, err = s.rdb.Del(ctx, s.feedKey(id), s.leaseKey(id)).Result()
		n += d
	}
	switch {
	case err != nil:
		return fmt.Errorf("feeds: remove %s: %w", id, err)
	case n == 0:
		return fmt.Errorf("%w: no feed %s", ErrNotFound, id)
	}
	return nil
}

// SetStatus records a poll's outcome, unless the feed was removed
// meanwhile.
func (s *Store) SetStatus(ctx context.Context, id string, st Status) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := setIfExists.Run(ctx, s.rdb, []string{s.feedKey(id)}, fieldConfig, fieldStatus, b).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("feeds: status %s: %w", id, err)
	}
	return nil
}

var setIfExists = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
end
return 0`)

// Lease takes the feed's lease for token, for ttl; false when another
// poller holds it.
func (s *Store) Lease(ctx context.Context, id, token string, ttl time.Duration) (bool, error) {
	return keylease.Hold(ctx, s.rdb, s.leaseKey(id), token, ttl)
}

// Release gives the lease up if token still holds it.
func (s *Store) Release(ctx context.Context, id, token string) error {
	return keylease.Release(ctx, s.rdb, s.leaseKey(id), token)
}

func validID(id string) bool {
	return id != "" && len(id) <= 64 && strings.Trim(id, "0123456789abcdef") == ""
}
