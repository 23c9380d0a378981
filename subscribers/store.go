package subscribers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Store errors; store methods wrap them.
var (
	ErrNotFound  = errors.New("subscriber not found")
	ErrExists    = errors.New("subscriber already exists")
	ErrBusy      = errors.New("subscriber leased by another worker")
	ErrLeaseLost = errors.New("lease lost")
)

// claimTTL is how long a destination key stays claimed before the
// subscriber's hash is written and the claim made permanent.
const claimTTL = time.Minute

// List page sizes.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// Store keeps subscribers in Redis.
type Store struct {
	rdb      redis.UniversalClient
	prefix   string
	now      func() time.Time
	lookback time.Duration // see SetFirstLookback
}

// NewStore returns a store on rdb whose keys start with prefix. now is the
// clock (time.Now when nil).
func NewStore(rdb redis.UniversalClient, prefix string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{rdb: rdb, prefix: prefix, now: now}
}

func (st *Store) subKey(id string) string      { return st.prefix + "sub:{" + id + "}" }
func (st *Store) topicsKey(id string) string   { return st.subKey(id) + ":topics" }
func (st *Store) followKey(slug string) string { return st.prefix + "topic:" + slug + ":subs" }
func (st *Store) emailKey(email string) string { return st.prefix + "email:" + strings.ToLower(email) }
func (st *Store) subsKey() string              { return st.prefix + "subs" }
func (st *Store) idsKey() string               { return st.prefix + "subs:ids" }
func (st *Store) dueKey() string               { return st.prefix + "due" }

// destKey is the key that makes a subscriber's destination unique.
func (st *Store) destKey(s *Subscriber) string {
	switch {
	case s.Kind == KindEmail:
		return st.emailKey(s.Email)
	case s.SlackChannel != "":
		return st.prefix + "slack:" + s.SlackChannel
	}
	sum := sha256.Sum256([]byte(s.WebhookURL))
	return st.prefix + "slack:" + hex.EncodeToString(sum[:])
}

// SetFirstLookback makes a new scheduled subscriber's first digest reach
// back d before sign-up, so a reader added after the day's stories still
// gets them; 0 (the default) starts the first window at sign-up. Instant
// subscribers always start at sign-up: an alert is for what lands next.
func (st *Store) SetFirstLookback(d time.Duration) { st.lookback = d }

func (st *Store) firstCursor(sub *Subscriber, now time.Time) time.Time {
	if sched, err := ParseSchedule(sub.Schedule); err == nil && sched.Instant() {
		return now
	}
	return now.Add(-st.lookback)
}

// Add validates sub, fills in its ID (when empty), CreatedAt, Cursor and
// NextDue, and stores it. Nothing is written when sub is invalid. It fails
// with ErrExists when the email address or Slack destination is taken
// (GetByEmail finds the owner) or the ID is in use.
func (st *Store) Add(ctx context.Context, sub *Subscriber) error {
	if err := sub.Validate(); err != nil {
		return err
	}
	if sub.ID == "" {
		sub.ID = newID()
	}
	now := msTime(st.now())
	sub.CreatedAt, sub.Cursor, sub.Bounces, sub.LastError = now, st.firstCursor(sub, now), 0, ""
	sub.NextDue = st.firstDue(sub, now)
	if err := st.checkSuppressed(ctx, sub); err != nil {
		return fmt.Errorf("subscribers: add: %w", err)
	}
	dest := st.destKey(sub)
	if err := st.claimDest(ctx, dest, sub.ID); err != nil {
		return fmt.Errorf("subscribers: add %s: %w", sub.ID, err)
	}
	if err := st.create(ctx, sub); err != nil {
		_ = casDel.Run(ctx, st.rdb, []string{dest}, sub.ID).Err()
		return fmt.Errorf("subscribers: add %s: %w", sub.ID, err)
	}
	if err := casPersist.Run(ctx, st.rdb, []string{dest}, sub.ID).Err(); err != nil {
		return fmt.Errorf("subscribers: add %s: %w", sub.ID, err)
	}
	if err := st.index(ctx, sub, sub.Topics, nil, true); err != nil {
		return fmt.Errorf("subscribers: add %s: %w", sub.ID, err)
	}
	return nil
}

// firstDue is when an active subscriber is next due from now (zero for
// instant schedules and inactive subscribers). sub must be valid.
func (st *Store) firstDue(sub *Subscriber, now time.Time) time.Time {
	if sub.Status != StatusActive {
		return time.Time{}
	}
	sched, _ := ParseSchedule(sub.Schedule)
	loc, _ := LoadLocation(sub.TimeZone)
	return msTime(sched.Next(now, loc))
}

// claimDest claims destination key for id. A key held permanently by a
// subscriber that no longer exists is taken over.
func (st *Store) claimDest(ctx context.Context, key, id string) error {
	ok, err := st.rdb.SetNX(ctx, key, id, claimTTL).Result()
	if err != nil || ok {
		return err
	}
	owner, err := st.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return st.claimDest(ctx, key, id) // freed meanwhile
	}
	if err != nil {
		return err
	}
	ttl, err := st.rdb.Do(ctx, "PTTL", key).Int64()
	if err != nil {
		return err
	}
	n, err := st.rdb.Exists(ctx, st.subKey(owner)).Result()
	if err != nil {
		return err
	}
	if ttl != -1 || n == 1 {
		return fmt.Errorf("destination held by %s: %w", owner, ErrExists)
	}
	took, err := casSet.Run(ctx, st.rdb, []string{key}, owner, id, claimTTL.Milliseconds()).Int()
	if err != nil {
		return err
	}
	if took != 1 {
		return fmt.Errorf("destination claimed concurrently: %w", ErrExists)
	}
	return nil
}

// create writes a new subscriber's hash and topics, unless the ID exists.
func (st *Store) create(ctx context.Context, sub *Subscriber) error {
	args := []any{"create", len(encodeFields(sub)) / 2}
	args = append(args, encodeFields(sub)...)
	for _, t := range sub.Topics {
		args = append(args, t)
	}
	n, err := writeScript.Run(ctx, st.rdb, []string{st.subKey(sub.ID), st.topicsKey(sub.ID)}, args...).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("id in use: %w", ErrExists)
	}
	return nil
}

// index brings the reverse index, the listing sets and (when setDue) the
// due set in line with sub after its hash was written.
func (st *Store) index(ctx context.Context, sub *Subscriber, added, removed []string, setDue bool) error {
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, t := range added {
			p.SAdd(ctx, st.followKey(t), sub.ID)
		}
		for _, t := range removed {
			p.SRem(ctx, st.followKey(t), sub.ID)
		}
		p.ZAddNX(ctx, st.subsKey(), redis.Z{Score: float64(sub.CreatedAt.UnixMilli()), Member: sub.ID})
		p.ZAddNX(ctx, st.idsKey(), redis.Z{Member: sub.ID})
		if setDue {
			st.setDue(ctx, p, sub.ID, sub.Status, sub.NextDue)
		}
		return nil
	})
	return err
}

// setDue queues the due-set change for a subscriber in status due at at.
func (st *Store) setDue(ctx context.Context, p redis.Pipeliner, id string, status Status, at time.Time) {
	if status != StatusActive || at.IsZero() {
		p.ZRem(ctx, st.dueKey(), id)
		return
	}
	p.ZAdd(ctx, st.dueKey(), redis.Z{Score: float64(at.UnixMilli()), Member: id})
}

// Get returns the subscriber with id, its Topics filled in.
func (st *Store) Get(ctx context.Context, id string) (*Subscriber, error) {
	subs, err := st.getMany(ctx, []string{id})
	if err != nil {
		return nil, fmt.Errorf("subscribers: get %q: %w", id, err)
	}
	if len(subs) == 0 {
		return nil, fmt.Errorf("subscribers: get %q: %w", id, ErrNotFound)
	}
	return subs[0], nil
}

// GetByEmail returns the subscriber with the address email (any case).
func (st *Store) GetByEmail(ctx context.Context, email string) (*Subscriber, error) {
	email = strings.TrimSpace(email)
	id, err := st.rdb.Get(ctx, st.emailKey(email)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("subscribers: get by email: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("subscribers: get by email: %w", err)
	}
	return st.Get(ctx, id)
}

// getMany reads subscribers by ID in one pipeline, skipping missing ones.
func (st *Store) getMany(ctx context.Context, ids []string) ([]*Subscriber, error) {
	hashes := make([]*redis.MapStringStringCmd, len(ids))
	topics := make([]*redis.StringSliceCmd, len(ids))
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			hashes[i] = p.HGetAll(ctx, st.subKey(id))
			topics[i] = p.SMembers(ctx, st.topicsKey(id))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	subs := make([]*Subscriber, 0, len(ids))
	for i := range ids {
		if len(hashes[i].Val()) == 0 {
			continue
		}
		sub, err := decodeSubscriber(hashes[i].Val(), topics[i].Val())
		if err != nil {
			return nil, err
		}
		subs = append(subs, sub)
	}
	return subs, nil
}

// Update re-validates sub and stores its profile: email or Slack
// destination, name, time zone, schedule, max stories, status and topics.
// CreatedAt, Cursor and (unless reactivated) Bounces and LastError are kept
// from the store, and sub is filled in with them. NextDue is recomputed from
// now when the schedule or time zone changed or the subscriber became
// active; a subscriber that is not active leaves the due set.
func (st *Store) Update(ctx context.Context, sub *Subscriber) error {
	if sub.ID == "" {
		return invalid("id", "required")
	}
	if err := sub.Validate(); err != nil {
		return err
	}
	old, err := st.Get(ctx, sub.ID)
	if err != nil {
		return err
	}
	if sub.Kind != old.Kind {
		return invalid("kind", "cannot change")
	}
	if sub.Status != old.Status || sub.Email != old.Email {
		if err := st.checkSuppressed(ctx, sub); err != nil {
			return fmt.Errorf("subscribers: update %s: %w", sub.ID, err)
		}
	}
	if err := st.update(ctx, old, sub); err != nil {
		return fmt.Errorf("subscribers: update %s: %w", sub.ID, err)
	}
	if sub.Status == StatusUnsubscribed && old.Status != StatusUnsubscribed {
		return st.suppressAfter(ctx, sub, "unsubscribed")
	}
	return nil
}

func (st *Store) update(ctx context.Context, old, sub *Subscriber) error {
	extra, setDue := st.carryOver(old, sub)
	oldDest, newDest := st.destKey(old), st.destKey(sub)
	if newDest != oldDest {
		if err := st.claimDest(ctx, newDest, sub.ID); err != nil {
			return err
		}
	}
	if err := st.writeProfile(ctx, sub, extra); err != nil {
		if newDest != oldDest {
			_ = casDel.Run(ctx, st.rdb, []string{newDest}, sub.ID).Err()
		}
		return err
	}
	if newDest != oldDest {
		if err := casPersist.Run(ctx, st.rdb, []string{newDest}, sub.ID).Err(); err != nil {
			return err
		}
		if err := casDel.Run(ctx, st.rdb, []string{oldDest}, sub.ID).Err(); err != nil {
			return err
		}
	}
	added, removed := diffSorted(old.Topics, sub.Topics)
	return st.index(ctx, sub, added, removed, setDue)
}

// carryOver copies the stored state Update keeps into sub and says which
// extra hash fields to write and whether the due set changes.
func (st *Store) carryOver(old, sub *Subscriber) (extra []any, setDue bool) {
	sub.CreatedAt, sub.Cursor, sub.NextDue = old.CreatedAt, old.Cursor, old.NextDue
	sub.Bounces, sub.LastError = old.Bounces, old.LastError
	reactivated := sub.Status == StatusActive && old.Status != StatusActive
	if reactivated && (old.Status == StatusBounced || old.Status == StatusFailing) {
		sub.Bounces, sub.LastError = 0, ""
		extra = append(extra, "bounces", 0, "last_error", "")
	}
	switch {
	case sub.Status != StatusActive:
		sub.NextDue, setDue = time.Time{}, true
	case reactivated || sub.Schedule != old.Schedule || sub.TimeZone != old.TimeZone:
		sub.NextDue, setDue = st.firstDue(sub, st.now()), true
	}
	if setDue {
		extra = append(extra, "next_due", msOf(sub.NextDue))
	}
	return extra, setDue
}

// writeProfile overwrites the profile fields and topics of an existing
// subscriber, with extra hash fields.
func (st *Store) writeProfile(ctx context.Context, sub *Subscriber, extra []any) error {
	fields := append(profileFields(sub), extra...)
	args := append([]any{"update", len(fields) / 2}, fields...)
	for _, t := range sub.Topics {
		args = append(args, t)
	}
	n, err := writeScript.Run(ctx, st.rdb, []string{st.subKey(sub.ID), st.topicsKey(sub.ID)}, args...).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// diffSorted returns what b has that a lacks, and what a has that b lacks.
func diffSorted(a, b []string) (added, removed []string) {
	for _, x := range b {
		if !slices.Contains(a, x) {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}

// Remove deletes the subscriber with id and every trace of it: its keys,
// its destination key, its reverse-index entries and its due entry.
func (st *Store) Remove(ctx context.Context, id string) error {
	old, err := st.Get(ctx, id)
	if err != nil {
		return err
	}
	_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, st.dueKey(), id)
		p.ZRem(ctx, st.subsKey(), id)
		p.ZRem(ctx, st.idsKey(), id)
		for _, t := range old.Topics {
			p.SRem(ctx, st.followKey(t), id)
		}
		return nil
	})
	if err == nil {
		err = st.rdb.Del(ctx, st.subKey(id), st.topicsKey(id)).Err()
	}
	if err == nil {
		err = casDel.Run(ctx, st.rdb, []string{st.destKey(old)}, id).Err()
	}
	if err != nil {
		return fmt.Errorf("subscribers: remove %s: %w", id, err)
	}
	return nil
}

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
	n, err := followScript.Run(ctx, st.rdb, []string{st.subKey(id), st.topicsKey(id)}, args...).Int()
	switch {
	case err != nil:
		return fmt.Errorf("subscribers: %s %s: %w", op, id, err)
	case n == 0:
		return fmt.Errorf("subscribers: %s %s: %w", op, id, ErrNotFound)
	case n == -1:
		return invalid("topics", fmt.Sprintf("more than %d topics", MaxTopics))
	}
	_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, t := range topics {
			if op == "follow" {
				p.SAdd(ctx, st.followKey(t), id)
			} else {
				p.SRem(ctx, st.followKey(t), id)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("subscribers: %s %s: %w", op, id, err)
	}
	return nil
}

// List returns up to limit subscribers (DefaultListLimit when limit <= 0,
// at most MaxListLimit) ordered by ID, starting after the ID after ("" for
// the first page). next is the after of the following page, "" at the end.
func (st *Store) List(ctx context.Context, after string, limit int) (subs []*Subscriber, next string, err error) {
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	lo := "-"
	if after != "" {
		lo = "(" + after
	}
	ids, err := st.rdb.ZRangeByLex(ctx, st.idsKey(), &redis.ZRangeBy{Min: lo, Max: "+", Count: int64(limit + 1)}).Result()
	if err != nil {
		return nil, "", fmt.Errorf("subscribers: list: %w", err)
	}
	if len(ids) > limit {
		ids, next = ids[:limit], ids[limit-1]
	}
	subs, err = st.getMany(ctx, ids)
	if err != nil {
		return nil, "", fmt.Errorf("subscribers: list: %w", err)
	}
	return subs, next, nil
}

// Count returns the number of subscribers.
func (st *Store) Count(ctx context.Context) (int64, error) {
	n, err := st.rdb.ZCard(ctx, st.subsKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("subscribers: count: %w", err)
	}
	return n, nil
}

// FollowersOf returns the sorted IDs of the subscribers following the topic
// slug (normalised). An ID may name a subscriber removed a moment ago.
func (st *Store) FollowersOf(ctx context.Context, slug string) ([]string, error) {
	ids, err := st.rdb.SMembers(ctx, st.followKey(normalizeSlug(slug))).Result()
	if err != nil {
		return nil, fmt.Errorf("subscribers: followers of %q: %w", slug, err)
	}
	slices.Sort(ids)
	return ids, nil
}

// FollowerCounts returns how many subscribers follow each slug, keyed by
// the slug as given.
func (st *Store) FollowerCounts(ctx context.Context, slugs []string) (map[string]int64, error) {
	cmds := make([]*redis.IntCmd, len(slugs))
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, s := range slugs {
			cmds[i] = p.SCard(ctx, st.followKey(normalizeSlug(s)))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("subscribers: follower counts: %w", err)
	}
	counts := make(map[string]int64, len(slugs))
	for i, s := range slugs {
		counts[s] = cmds[i].Val()
	}
	return counts, nil
}

// newID returns 16 random hex characters.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeScript writes a subscriber's hash and replaces its topics.
// ARGV: mode ("create": only when the hash is absent; "update": only when
// present), the number of field pairs, the pairs, then the topics.
// Returns 1 when written, 0 otherwise.
var writeScript = redis.NewScript(`
local exists = redis.call('EXISTS', KEYS[1]) == 1
if (ARGV[1] == 'create') == exists then return 0 end
local n = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], unpack(ARGV, 3, 2 + 2 * n))
redis.call('DEL', KEYS[2])
if #ARGV > 2 + 2 * n then
  redis.call('SADD', KEYS[2], unpack(ARGV, 3 + 2 * n))
end
return 1
`)

// followScript adds (ARGV[1] "follow") or removes topics ARGV[3..] of an
// existing subscriber, keeping at most ARGV[2]. Returns 1 when done, 0 when
// the subscriber is missing, -1 when the follows would exceed the limit.
var followScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == 'unfollow' then
  redis.call('SREM', KEYS[2], unpack(ARGV, 3))
  return 1
end
local fresh = 0
for i = 3, #ARGV do
  if redis.call('SISMEMBER', KEYS[2], ARGV[i]) == 0 then fresh = fresh + 1 end
end
if redis.call('SCARD', KEYS[2]) + fresh > tonumber(ARGV[2]) then return -1 end
redis.call('SADD', KEYS[2], unpack(ARGV, 3))
return 1
`)

// casDel deletes KEYS[1] when it holds ARGV[1].
var casDel = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// casPersist removes the expiry of KEYS[1] when it holds ARGV[1].
var casPersist = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PERSIST', KEYS[1]) end
return 0
`)

// casSet sets KEYS[1] to ARGV[2] with expiry ARGV[3] ms when it holds ARGV[1].
var casSet = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`)

// Follower is what an instant alert needs to know of a follower.
type Follower struct {
	ID   string
	Kind Kind
}

// InstantFollowersOf returns the active subscribers with schedule instant
// that follow any of slugs, each once: one SMEMBERS a topic, then the three
// fields that matter read for all followers in one pipelined round trip, so
// a story on a topic with many daily readers costs no per-reader trip.
func (st *Store) InstantFollowersOf(ctx context.Context, slugs []string) ([]Follower, error) {
	var ids []string
	seen := map[string]bool{}
	for _, slug := range slugs {
		members, err := st.FollowersOf(ctx, slug)
		if err != nil {
			return nil, err
		}
		for _, id := range members {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	cmds := make([]*redis.SliceCmd, len(ids))
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, st.subKey(id), "schedule", "status", "kind")
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("subscribers: instant followers: %w", err)
	}
	var out []Follower
	for i, cmd := range cmds {
		v := cmd.Val()
		if len(v) == 3 && v[0] == "instant" && v[1] == string(StatusActive) {
			kind, _ := v[2].(string)
			out = append(out, Follower{ID: ids[i], Kind: Kind(kind)})
		}
	}
	return out, nil
}
