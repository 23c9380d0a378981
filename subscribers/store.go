package subscribers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/keylease"
	"herald/internal/shard"
)

// Store errors; store methods wrap them.
var (
	ErrNotFound   = errors.New("subscriber not found")
	ErrExists     = errors.New("subscriber already exists")
	ErrBusy       = errors.New("subscriber leased by another worker")
	ErrLeaseLost  = errors.New("lease lost")
	ErrNotDurable = errors.New("write not acknowledged by the replicas")
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
	shards   int
	wait     *waiter
	lookback time.Duration // see SetFirstLookback
}

// NewStore returns a store on rdb whose keys start with prefix. now is the
// clock (time.Now when nil).
func NewStore(rdb redis.UniversalClient, prefix string, now func() time.Time, opts ...Option) *Store {
	if now == nil {
		now = time.Now
	}
	st := &Store{rdb: rdb, prefix: prefix, now: now, shards: shard.DefaultCount}
	for _, o := range opts {
		o(st)
	}
	if st.wait == nil {
		st.wait = newWaiter(rdb, 0, 0)
	}
	return st
}

// destKey is the key that makes a subscriber's destination unique.
func (st *Store) destKey(s *Subscriber) string {
	switch {
	case s.Kind == KindEmail:
		return st.emailKey(s.Email)
	case s.SlackChannel != "":
		return st.slackKey(s.SlackChannel)
	}
	sum := sha256.Sum256([]byte(s.WebhookURL))
	return st.slackKey(hex.EncodeToString(sum[:]))
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

// Add validates sub, fills in its ID (when empty), a new Nonce, CreatedAt,
// Cursor and NextDue, and stores it. Nothing is written when sub is invalid. It fails
// with ErrExists when the email address or Slack destination is taken
// (GetByEmail finds the owner) or the ID is in use.
func (st *Store) Add(ctx context.Context, sub *Subscriber) error {
	if err := sub.Validate(); err != nil {
		return err
	}
	if sub.ID == "" {
		sub.ID = newID()
	}
	sub.Nonce = newNonce()
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
		_ = keylease.Release(ctx, st.rdb, dest, sub.ID)
		return fmt.Errorf("subscribers: add %s: %w", sub.ID, err)
	}
	if err := casPersist.Run(ctx, st.rdb, []string{dest}, sub.ID).Err(); err != nil {
		return fmt.Errorf("subscribers: add %s: %w", sub.ID, err)
	}
	if err := st.index(ctx, sub, follows{added: sub.Topics}, true); err != nil {
		return fmt.Errorf("subscribers: add %s: %w", sub.ID, err)
	}
	if err := st.trackPending(ctx, sub, false, now); err != nil {
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

// create writes a new subscriber's hash, unless the ID exists.
func (st *Store) create(ctx context.Context, sub *Subscriber) error {
	args := append(append([]any{"create"}, encodeFields(sub)...), pendingFields(sub, false, sub.CreatedAt)...)
	n, err := writeScript.Run(ctx, st.rdb, []string{st.subKey(sub.ID)}, args...).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("id in use: %w", ErrExists)
	}
	return nil
}

// follows is a change to a subscriber's place in the follower index:
// topics added and removed, and topics it keeps whose instant set changes
// because the schedule turned instant (toInstant) or stopped being instant.
type follows struct {
	added, removed []string
	kept           []string
	toInstant      bool
	fromInstant    bool
}

// index brings the follower index, the shard list and (when setDue) the due
// shard in line with sub after its hash was written.
func (st *Store) index(ctx context.Context, sub *Subscriber, f follows, setDue bool) error {
	instant := isInstant(sub.Schedule)
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, t := range f.added {
			p.Incr(ctx, st.followersKey(t))
			if instant {
				p.SAdd(ctx, st.instantKey(t), sub.ID)
			}
		}
		for _, t := range f.removed {
			p.Decr(ctx, st.followersKey(t))
			p.SRem(ctx, st.instantKey(t), sub.ID)
		}
		for _, t := range f.kept {
			if f.toInstant {
				p.SAdd(ctx, st.instantKey(t), sub.ID)
			} else if f.fromInstant {
				p.SRem(ctx, st.instantKey(t), sub.ID)
			}
		}
		if setDue {
			st.setDue(ctx, p, sub.ID, sub.Status, sub.NextDue)
		}
		return nil
	})
	return err
}

// notDue is the due-shard score of a subscriber that is not due: later
// than any claim (about the year 144,000).
const notDue = float64(1 << 52)

// dueScore is the due-shard score of a subscriber in status due at ms.
func dueScore(status Status, ms int64) float64 {
	if status != StatusActive || ms == 0 {
		return notDue
	}
	return float64(ms)
}

// setDue queues the due-shard change for a subscriber in status due at at.
func (st *Store) setDue(ctx context.Context, p redis.Pipeliner, id string, status Status, at time.Time) {
	p.ZAdd(ctx, st.dueKey(id), redis.Z{Score: dueScore(status, msOf(at)), Member: id})
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

// GetBySlackChannel returns the team subscription that posts to the
// Slack channel with ID channel.
func (st *Store) GetBySlackChannel(ctx context.Context, channel string) (*Subscriber, error) {
	id, err := st.rdb.Get(ctx, st.slackKey(strings.TrimSpace(channel))).Result()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("subscribers: get by slack channel: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("subscribers: get by slack channel: %w", err)
	}
	sub, err := st.Get(ctx, id)
	if err == nil && sub.SlackChannel != strings.TrimSpace(channel) {
		return nil, fmt.Errorf("subscribers: get by slack channel: %w", ErrNotFound)
	}
	return sub, err
}

// getMany reads subscribers by ID in one pipeline, skipping missing ones.
func (st *Store) getMany(ctx context.Context, ids []string) ([]*Subscriber, error) {
	hashes := make([]*redis.MapStringStringCmd, len(ids))
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			hashes[i] = p.HGetAll(ctx, st.subKey(id))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	subs := make([]*Subscriber, 0, len(ids))
	for i, id := range ids {
		if len(hashes[i].Val()) == 0 {
			continue
		}
		sub, err := decodeSubscriber(id, hashes[i].Val())
		if err != nil {
			return nil, err
		}
		subs = append(subs, sub)
	}
	return subs, nil
}

// Remove deletes the subscriber with id and every trace of it: its keys,
// its destination key, its follower-index entries and its due and pending
// entries.
func (st *Store) Remove(ctx context.Context, id string) error {
	old, err := st.Get(ctx, id)
	if err != nil {
		return err
	}
	err = st.rdb.Del(ctx, st.subKey(id), st.logKey(id)).Err()
	if err == nil {
		err = st.unindex(ctx, old)
	}
	if err != nil {
		return fmt.Errorf("subscribers: remove %s: %w", id, err)
	}
	return nil
}

// unindex removes what points at old once its hash is deleted: its
// follower-index entries, its due and pending entries and its destination
// key.
func (st *Store) unindex(ctx context.Context, old *Subscriber) error {
	err := st.index(ctx, old, follows{removed: old.Topics}, false)
	if err == nil {
		_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.ZRem(ctx, st.dueKey(old.ID), old.ID)
			p.ZRem(ctx, st.pendingKey(old.ID), old.ID)
			return nil
		})
	}
	if err == nil {
		err = keylease.Release(ctx, st.rdb, st.destKey(old), old.ID)
	}
	return err
}

// newID returns 16 random hex characters.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newNonce returns 8 random base64url characters (48 bits): enough that
// a re-created subscriber never gets its predecessor's nonce, short because
// every subscriber's hash keeps one.
func newNonce() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
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

// writeScript writes a subscriber's hash. ARGV: mode ("create": only when
// the hash is absent; "update": only when present), then field-value pairs;
// a pair with an empty value deletes the field, and "topics" (the follows,
// comma-separated) is written in chunks (see topicsLua). Returns 1 when
// written, 0 otherwise.
var writeScript = redis.NewScript(topicsLua + `
local exists = redis.call('EXISTS', KEYS[1]) == 1
if (ARGV[1] == 'create') == exists then return 0 end
for i = 2, #ARGV, 2 do
  if ARGV[i] == 'topics' then setTopics(KEYS[1], splitTopics(ARGV[i + 1]))
  elseif ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i])
  else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1
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
