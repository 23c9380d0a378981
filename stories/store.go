package stories

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRetention is how long stories and their index entries are kept when
// Options.Retention is zero.
const DefaultRetention = 30 * 24 * time.Hour

// ErrNotFound is returned (wrapped) for a story or topic that is not stored.
var ErrNotFound = errors.New("stories: not found")

// errRace says a story key appeared or vanished under a put; the put retries.
var errRace = errors.New("stories: story changed during put")

// Options configure a Store. The zero value is usable.
type Options struct {
	Now       func() time.Time // default time.Now
	Retention time.Duration    // default DefaultRetention
}

// Store keeps stories, the per-topic index and the topic registry in Redis.
// The key layout is in the package comment. A Store is safe for concurrent
// use.
type Store struct {
	rdb       redis.UniversalClient
	prefix    string
	now       func() time.Time
	retention time.Duration
}

// Entry is one story in a topic's index.
type Entry struct {
	ID         string
	IngestedAt time.Time
}

// PutResult is the outcome of one story in PutMany.
type PutResult struct {
	ID      string
	Created bool
	Err     error
}

// NewStore returns a store whose keys all start with prefix (e.g. "herald:").
func NewStore(rdb redis.UniversalClient, prefix string, opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	return &Store{rdb: rdb, prefix: prefix, now: opts.Now, retention: opts.Retention}
}

func (st *Store) storyKey(id string) string   { return st.prefix + "story:" + id }
func (st *Store) reachKey(id string) string   { return st.prefix + "story:" + id + ":reach" }
func (st *Store) revKey(id string) string     { return st.prefix + "storyrev:" + id }
func (st *Store) topicKey(slug string) string { return st.prefix + "topic:" + slug + ":stories" }
func (st *Store) registryKey() string         { return st.prefix + "topics" }
func msTime(t time.Time) time.Time            { return time.UnixMilli(t.UnixMilli()).UTC() }
func msScore(t time.Time) string              { return strconv.FormatInt(t.UnixMilli(), 10) }

// Put normalizes, validates and stores a story, indexes it under each of its
// topics and registers the topics. Nothing is written when the story is
// invalid.
//
// Put is idempotent by id. A new id is stored with IngestedAt = now and
// created = true. A known id has its content replaced but keeps its first
// IngestedAt and its index scores (ZADD NX), and leaves the indexes of topics
// it no longer has; created is false. Put sets s.IngestedAt either way.
// Two concurrent puts of one id agree on content and ingest time; the loser's
// dropped topics may keep an index entry until the sweep.
func (st *Store) Put(ctx context.Context, s *Story) (created bool, err error) {
	s.Normalize()
	if err := s.Validate(); err != nil {
		return false, fmt.Errorf("stories: put %q: %w", s.ID, err)
	}
	for range 3 {
		created, err = st.put(ctx, s)
		if !errors.Is(err, errRace) {
			break
		}
	}
	if err != nil {
		return false, fmt.Errorf("stories: put %q: %w", s.ID, err)
	}
	return created, nil
}

func (st *Store) put(ctx context.Context, s *Story) (bool, error) {
	s.IngestedAt = msTime(st.now())
	w, created, err := st.create(ctx, s)
	if err == nil && !created {
		w, err = st.replace(ctx, s)
	}
	if err != nil {
		return false, err
	}
	return created, st.index(ctx, s, w)
}

// written is what create or replace stored: the story it replaced (nil
// for a new one), and the revision to record beside it (see Rev), which
// expires with the story after ttl (0: never).
type written struct {
	old *Story
	rev string
	ttl time.Duration
}

// create stores s if its id is new.
func (st *Store) create(ctx context.Context, s *Story) (written, bool, error) {
	data, err := encodeStory(s)
	if err != nil {
		return written{}, false, err
	}
	args := redis.SetArgs{Mode: "NX", TTL: st.retention}
	err = st.rdb.SetArgs(ctx, st.storyKey(s.ID), data, args).Err()
	if errors.Is(err, redis.Nil) {
		return written{}, false, nil
	}
	if err != nil {
		return written{}, false, err
	}
	return written{rev: Rev(data), ttl: st.retention}, true, nil
}

// replace overwrites a stored story, keeping its IngestedAt and expiry, and
// reads the expiry in the same round trip.
func (st *Store) replace(ctx context.Context, s *Story) (written, error) {
	old, err := st.get(ctx, s.ID)
	if errors.Is(err, ErrNotFound) {
		return written{}, errRace
	}
	if err != nil {
		return written{}, err
	}
	if !old.IngestedAt.IsZero() {
		s.IngestedAt = old.IngestedAt
	}
	data, err := encodeStory(s)
	if err != nil {
		return written{}, err
	}
	key := st.storyKey(s.ID)
	var set *redis.StatusCmd
	var ttl *redis.DurationCmd
	_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		set = p.SetArgs(ctx, key, data, redis.SetArgs{Mode: "XX", KeepTTL: true})
		ttl = p.PTTL(ctx, key)
		return nil
	})
	if errors.Is(set.Err(), redis.Nil) {
		return written{}, errRace
	}
	if err != nil {
		return written{}, err
	}
	return written{old: old, rev: Rev(data), ttl: max(ttl.Val(), 0)}, nil // -1: none
}

// index records w's revision (after the story itself, so a reader that
// sees the new revision finds the new story), adds s to its topics'
// indexes, removes it from the topics only the story it replaced had, and
// registers the topics.
func (st *Store) index(ctx context.Context, s *Story, w written) error {
	score := float64(s.IngestedAt.UnixMilli())
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, st.revKey(s.ID), w.rev, w.ttl)
		for _, t := range s.Topics {
			p.ZAddNX(ctx, st.topicKey(t.Slug), redis.Z{Score: score, Member: s.ID})
		}
		for _, slug := range droppedTopics(s, w.old) {
			p.ZRem(ctx, st.topicKey(slug), s.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return st.register(ctx, s.Topics)
}

func droppedTopics(s, old *Story) []string {
	if old == nil {
		return nil
	}
	var dropped []string
	for _, t := range old.Topics {
		if !slices.ContainsFunc(s.Topics, func(n Topic) bool { return n.Slug == t.Slug }) {
			dropped = append(dropped, t.Slug)
		}
	}
	return dropped
}

// register adds new topics to the registry. A known topic keeps its name;
// a non-empty description replaces the stored one.
func (st *Store) register(ctx context.Context, topics []Topic) error {
	slugs := make([]string, len(topics))
	for i, t := range topics {
		slugs[i] = t.Slug
	}
	vals, err := st.rdb.HMGet(ctx, st.registryKey(), slugs...).Result()
	if err != nil {
		return fmt.Errorf("register topics: %w", err)
	}
	var updates []any
	for i, t := range topics {
		cur, found := decodeRegistered(vals[i])
		merged := mergeTopic(cur, found, t)
		if found && merged == cur {
			continue
		}
		data, _ := json.Marshal(merged) // a Topic always encodes
		updates = append(updates, t.Slug, data)
	}
	if len(updates) == 0 {
		return nil
	}
	if err := st.rdb.HSet(ctx, st.registryKey(), updates...).Err(); err != nil {
		return fmt.Errorf("register topics: %w", err)
	}
	return nil
}

func decodeRegistered(v any) (Topic, bool) {
	s, ok := v.(string)
	if !ok {
		return Topic{}, false
	}
	var t Topic
	if json.Unmarshal([]byte(s), &t) != nil {
		return Topic{}, false // a corrupt entry is replaced
	}
	return t, true
}

func mergeTopic(cur Topic, found bool, t Topic) Topic {
	if !found {
		return t
	}
	if t.Description != "" {
		cur.Description = t.Description
	}
	return cur
}

// encodeStory is the stored form: compact JSON, HTML left unescaped.
func encodeStory(s *Story) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	data := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(data) > MaxStoryBytes {
		return nil, tooLarge(len(data))
	}
	return data, nil
}

// PutMany puts each story in turn and reports each outcome; one bad story
// does not stop the others.
func (st *Store) PutMany(ctx context.Context, ss []*Story) []PutResult {
	results := make([]PutResult, len(ss))
	for i, s := range ss {
		created, err := st.Put(ctx, s)
		results[i] = PutResult{ID: s.ID, Created: created, Err: err}
	}
	return results
}

// Get returns the story with the given id, or an error wrapping ErrNotFound.
func (st *Store) Get(ctx context.Context, id string) (*Story, error) {
	s, err := st.get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("stories: get %q: %w", id, err)
	}
	return s, nil
}

func (st *Store) get(ctx context.Context, id string) (*Story, error) {
	data, err := st.rdb.Get(ctx, st.storyKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return decodeStory(data)
}

func decodeStory(data []byte) (*Story, error) {
	var s Story
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decode stored story: %w", err)
	}
	return &s, nil
}

// Delete removes a story and its index entries. It returns an error
// wrapping ErrNotFound when the story is not stored. The topic registry is
// left alone.
func (st *Store) Delete(ctx context.Context, id string) error {
	s, err := st.get(ctx, id)
	if err != nil {
		return fmt.Errorf("stories: delete %q: %w", id, err)
	}
	_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, t := range s.Topics {
			p.ZRem(ctx, st.topicKey(t.Slug), id)
		}
		p.Del(ctx, st.storyKey(id))
		p.Del(ctx, st.reachKey(id)) // its own slot: not in the DEL above
		p.Del(ctx, st.revKey(id))
		return nil
	})
	if err != nil {
		return fmt.Errorf("stories: delete %q: %w", id, err)
	}
	return nil
}

// Window returns, for each topic slug, the stories ingested after start and
// up to and including end (start exclusive, end inclusive, at millisecond
// precision), oldest first. A zero start means from the beginning. Topics
// with no entries in the window are absent from the map. It pipelines one
// ZRANGEBYSCORE per topic.
func (st *Store) Window(ctx context.Context, slugs []string, start, end time.Time) (map[string][]Entry, error) {
	rng := &redis.ZRangeBy{Min: "-inf", Max: msScore(end)}
	if !start.IsZero() {
		rng.Min = "(" + msScore(start)
	}
	return st.perTopic(ctx, "window", slugs, func(p redis.Pipeliner, key string) *redis.ZSliceCmd {
		return p.ZRangeByScoreWithScores(ctx, key, rng)
	})
}

// perTopic runs read on each of slugs' index keys in one pipeline and
// returns the entries by topic; topics with none are absent from the map.
func (st *Store) perTopic(ctx context.Context, op string, slugs []string, read func(p redis.Pipeliner, key string) *redis.ZSliceCmd) (map[string][]Entry, error) {
	cmds := make(map[string]*redis.ZSliceCmd, len(slugs))
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, slug := range slugs {
			cmds[slug] = read(p, st.topicKey(slug))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stories: %s: %w", op, err)
	}
	out := make(map[string][]Entry, len(cmds))
	for slug, cmd := range cmds {
		if entries := toEntries(cmd.Val()); len(entries) > 0 {
			out[slug] = entries
		}
	}
	return out, nil
}

func toEntries(zs []redis.Z) []Entry {
	entries := make([]Entry, 0, len(zs))
	for _, z := range zs {
		id, _ := z.Member.(string)
		entries = append(entries, Entry{ID: id, IngestedAt: time.UnixMilli(int64(z.Score)).UTC()})
	}
	return entries
}

// Topics returns every registered topic, sorted by slug.
func (st *Store) Topics(ctx context.Context) ([]Topic, error) {
	all, err := st.rdb.HGetAll(ctx, st.registryKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("stories: topics: %w", err)
	}
	topics := make([]Topic, 0, len(all))
	for slug, v := range all {
		t, ok := decodeRegistered(v)
		if !ok {
			return nil, fmt.Errorf("stories: topics: %q: corrupt registry entry", slug)
		}
		topics = append(topics, t)
	}
	slices.SortFunc(topics, func(a, b Topic) int { return cmp.Compare(a.Slug, b.Slug) })
	return topics, nil
}

// Topic returns one registered topic, or an error wrapping ErrNotFound.
func (st *Store) Topic(ctx context.Context, slug string) (Topic, error) {
	v, err := st.rdb.HGet(ctx, st.registryKey(), slug).Result()
	if errors.Is(err, redis.Nil) {
		err = ErrNotFound
	}
	if err != nil {
		return Topic{}, fmt.Errorf("stories: topic %q: %w", slug, err)
	}
	t, ok := decodeRegistered(v)
	if !ok {
		return Topic{}, fmt.Errorf("stories: topic %q: corrupt registry entry", slug)
	}
	return t, nil
}

// SetTopic normalizes, validates and stores a topic in the registry,
// replacing its name and description (the admin's word wins over stories').
func (st *Store) SetTopic(ctx context.Context, t Topic) error {
	t.Normalize()
	if err := t.Validate(); err != nil {
		return fmt.Errorf("stories: set topic %q: %w", t.Slug, err)
	}
	data, _ := json.Marshal(t) // a Topic always encodes
	if err := st.rdb.HSet(ctx, st.registryKey(), t.Slug, data).Err(); err != nil {
		return fmt.Errorf("stories: set topic %q: %w", t.Slug, err)
	}
	return nil
}

// Sweep removes index entries ingested Retention or longer ago from every
// registered topic and returns how many it removed. The stories themselves
// expire on their own (their keys carry a TTL).
func (st *Store) Sweep(ctx context.Context) (removed int, err error) {
	slugs, err := st.rdb.HKeys(ctx, st.registryKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("stories: sweep: %w", err)
	}
	cutoff := msScore(st.now().Add(-st.retention))
	cmds := make([]*redis.IntCmd, len(slugs))
	_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, slug := range slugs {
			cmds[i] = p.ZRemRangeByScore(ctx, st.topicKey(slug), "-inf", cutoff)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("stories: sweep: %w", err)
	}
	for _, cmd := range cmds {
		removed += int(cmd.Val())
	}
	return removed, nil
}
