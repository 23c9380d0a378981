package subscribers

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// FollowerPage is how many instant followers one read takes: SSCAN's
// COUNT, then one pipelined HMGET of that many hashes.
const FollowerPage = 1000

// Follow adds topics (names or slugs; normalised) to the subscriber's
// follows, at most MaxTopics in all.
func (st *Store) Follow(ctx context.Context, id string, slugs ...string) error {
	return st.follow(ctx, "follow", id, slugs)
}

// Unfollow removes topics (names or slugs; normalised) from the
// subscriber's follows.
func (st *Store) Unfollow(ctx context.Context, id string, slugs ...string) error {
	return st.follow(ctx, "unfollow", id, slugs)
}

func (st *Store) follow(ctx context.Context, op, id string, slugs []string) error {
	topics, err := normalizeSlugs(slugs)
	if err != nil || len(topics) == 0 {
		return err
	}
	args := []any{op, MaxTopics}
	for _, t := range topics {
		args = append(args, t)
	}
	reply, err := followScript.Run(ctx, st.rdb, []string{st.subKey(id)}, args...).Slice()
	if err != nil {
		return fmt.Errorf("subscribers: %s %s: %w", op, id, err)
	}
	switch code, _ := reply[0].(int64); code {
	case 0:
		return fmt.Errorf("subscribers: %s %s: %w", op, id, ErrNotFound)
	case -1:
		return invalid("topics", fmt.Sprintf("more than %d topics", MaxTopics))
	}
	sub := &Subscriber{ID: id, Schedule: fmt.Sprint(reply[1])}
	changed := stringList(reply[2])
	f := follows{added: changed}
	if op == "unfollow" {
		f = follows{removed: changed}
	}
	if err := st.index(ctx, sub, f, false); err != nil {
		return fmt.Errorf("subscribers: %s %s: %w", op, id, err)
	}
	return nil
}

// FollowerCounts returns how many subscribers follow each slug, keyed by
// the slug as given.
func (st *Store) FollowerCounts(ctx context.Context, slugs []string) (map[string]int64, error) {
	cmds := make([]*redis.StringCmd, len(slugs))
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, s := range slugs {
			cmds[i] = p.Get(ctx, st.followersKey(normalizeSlug(s)))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("subscribers: follower counts: %w", err)
	}
	counts := make(map[string]int64, len(slugs))
	for i, s := range slugs {
		n, _ := cmds[i].Int64()
		counts[s] = max(n, 0)
	}
	return counts, nil
}

// Follower is what an instant alert needs to know of a follower.
type Follower struct {
	ID   string
	Kind Kind
}

// InstantFollowersOf returns the active instant subscribers following any
// of slugs, each once (see EachInstantFollower).
func (st *Store) InstantFollowersOf(ctx context.Context, slugs []string) ([]Follower, error) {
	var out []Follower
	err := st.EachInstantFollower(ctx, slugs, func(page []Follower) error {
		out = append(out, page...)
		return nil
	})
	return out, err
}

// EachInstantFollower calls fn with the active instant subscribers that
// follow any of slugs, a page at a time: each topic's instant set is read
// with SSCAN, FollowerPage members a step, and each page's status and kind
// in one pipelined round trip, so a big topic never blocks Redis and never
// sits whole in memory. A follower of several of the topics comes once.
func (st *Store) EachInstantFollower(ctx context.Context, slugs []string, fn func([]Follower) error) error {
	seen := map[string]bool{}
	fresh := func(page []Follower) error {
		out := page[:0]
		for _, f := range page {
			if !seen[f.ID] {
				seen[f.ID] = true
				out = append(out, f)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return fn(out)
	}
	if len(slugs) == 1 {
		fresh = fn // one topic: a set holds each member once
	}
	for _, slug := range slugs {
		iter := st.rdb.SScan(ctx, st.instantKey(normalizeSlug(slug)), 0, "", FollowerPage).Iterator()
		var ids []string
		for iter.Next(ctx) {
			if ids = append(ids, iter.Val()); len(ids) == FollowerPage {
				if err := st.followerPage(ctx, ids, fresh); err != nil {
					return err
				}
				ids = ids[:0]
			}
		}
		if err := iter.Err(); err != nil {
			return fmt.Errorf("subscribers: instant followers of %s: %w", slug, err)
		}
		if err := st.followerPage(ctx, ids, fresh); err != nil {
			return err
		}
	}
	return nil
}

// followerPage reads the status and kind of ids and passes the active ones
// to fn.
func (st *Store) followerPage(ctx context.Context, ids []string, fn func([]Follower) error) error {
	if len(ids) == 0 {
		return nil
	}
	cmds := make([]*redis.SliceCmd, len(ids))
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, st.subKey(id), "status", "kind")
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("subscribers: instant followers: %w", err)
	}
	var page []Follower
	for i, cmd := range cmds {
		if v := cmd.Val(); len(v) == 2 && v[0] == string(StatusActive) {
			kind, _ := v[1].(string)
			page = append(page, Follower{ID: ids[i], Kind: Kind(kind)})
		}
	}
	if len(page) == 0 {
		return nil
	}
	return fn(page)
}

// followScript adds (ARGV[1] "follow") or removes topics ARGV[3..] of an
// existing subscriber's topics field, keeping at most ARGV[2]. Replies {0}
// when the subscriber is missing, {-1} when the follows would exceed the
// limit, else {1, schedule, the topics actually added or removed}.
var followScript = redis.NewScript(topicsLua + `
local f = redis.call('HMGET', KEYS[1], 'status', 'schedule')
if not f[1] then return {0} end
local have, list = {}, getTopics(KEYS[1])
for _, t in ipairs(list) do have[t] = true end
local changed = {}
for i = 3, #ARGV do
  local t = ARGV[i]
  if ARGV[1] == 'follow' and not have[t] then have[t] = true; list[#list + 1] = t; changed[#changed + 1] = t end
  if ARGV[1] == 'unfollow' and have[t] then have[t] = nil; changed[#changed + 1] = t end
end
if #changed == 0 then return {1, f[2] or '', changed} end
if ARGV[1] == 'unfollow' then
  local kept = {}
  for _, t in ipairs(list) do if have[t] then kept[#kept + 1] = t end end
  list = kept
end
if #list > tonumber(ARGV[2]) then return {-1} end
table.sort(list)
setTopics(KEYS[1], list)
return {1, f[2] or '', changed}
`)
