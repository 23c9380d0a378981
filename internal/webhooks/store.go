package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/shard"
)

// Event types.
const (
	MessageSent            = "message.sent"
	MessageFailed          = "message.failed"
	MessageBounced         = "message.bounced"
	SubscriberUnsubscribed = "subscriber.unsubscribed"
	SubscriberConfirmed    = "subscriber.confirmed"
	StoryIngested          = "story.ingested"
)

// Types are every event type, in the order the docs list them.
var Types = []string{MessageSent, MessageFailed, MessageBounced, SubscriberUnsubscribed, SubscriberConfirmed, StoryIngested}

// DefaultMaxLen caps each outbox shard (about: XADD MAXLEN ~). An
// endpoint further behind than that loses the oldest of its events.
const DefaultMaxLen = 100_000

// endpointsTTL is how long Emit trusts its knowledge of whether any
// endpoint exists: with none, events are not kept at all, and an endpoint
// added by another process starts getting events within this time.
const endpointsTTL = 5 * time.Second

// ErrNotFound is an endpoint that does not exist.
var ErrNotFound = errors.New("webhooks: endpoint not found")

// Event is one thing that happened. Key orders it: the events of one key
// (a subscriber's ID, a story's) reach every endpoint in the order emitted.
type Event struct {
	ID   string          `json:"-"` // webhook-id, set by Emit
	Type string          `json:"type"`
	At   time.Time       `json:"timestamp"`
	Key  string          `json:"-"`
	Data json.RawMessage `json:"data"`
}

// Store keeps the endpoints and the outbox.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	shards int
	maxLen int64
	now    func() time.Time

	mu      sync.Mutex
	checked time.Time // when any was last read
	any     bool      // some endpoint exists
}

// NewStore is a store on rdb under prefix, its outbox in shards shards
// (shard.DefaultCount when 0). now is the clock (time.Now when nil).
func NewStore(rdb redis.UniversalClient, prefix string, shards int, now func() time.Time) *Store {
	if shards <= 0 {
		shards = shard.DefaultCount
	}
	if now == nil {
		now = time.Now
	}
	return &Store{rdb: rdb, prefix: prefix, shards: min(shards, shard.MaxCount), maxLen: DefaultMaxLen, now: now}
}

// Emit appends an event of type typ about key, with data as its JSON
// payload, to the outbox: one XADD, whatever the endpoints do.
func (st *Store) Emit(ctx context.Context, typ, key string, data any) error {
	if !st.Listening(ctx) {
		return nil
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("webhooks: emit %s: %w", typ, err)
	}
	ev := Event{ID: newID("msg_"), Type: typ, At: st.now().UTC(), Key: key, Data: raw}
	body, _ := json.Marshal(ev)
	err = st.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: st.outboxKey(shard.Of(key, st.shards)), MaxLen: st.maxLen, Approx: true,
		Values: []any{"id", ev.ID, "type", typ, "body", body},
	}).Err()
	if err != nil {
		return fmt.Errorf("webhooks: emit %s: %w", typ, err)
	}
	return nil
}

// Listening says whether some endpoint exists, read at most every
// endpointsTTL; a failed read counts as yes (keeping an event is safe).
// Emit drops events when it says no, so a caller may skip building them.
func (st *Store) Listening(ctx context.Context) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if now := time.Now(); st.checked.IsZero() || now.Sub(st.checked) > endpointsTTL {
		n, err := st.rdb.HLen(ctx, st.endpointsKey()).Result()
		st.any, st.checked = err != nil || n > 0, now
	}
	return st.any
}

// Endpoint is where events go.
type Endpoint struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"` // may hold a credential: never logged
	Secret    string    `json:"secret"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
}

// Wants says whether the endpoint takes events of type typ.
func (e *Endpoint) Wants(typ string) bool { return slices.Contains(e.Events, typ) }

// Status is an endpoint's last delivery.
type Status struct {
	Last      string    // "200", "503", "error", "" when none yet
	Error     string    // the last failure, "" after a success
	At        time.Time // of the last attempt
	Delivered int64     // events accepted so far
}

// Add registers an endpoint for events (every type when empty) with a new
// secret; its cursors start now, so it gets the events emitted from now on.
func (st *Store) Add(ctx context.Context, url string, events []string) (*Endpoint, error) {
	events, err := checkTypes(events)
	if err != nil {
		return nil, err
	}
	ep := &Endpoint{ID: newID("wh_"), URL: strings.TrimSpace(url), Secret: NewSecret(), Events: events, CreatedAt: st.now().UTC()}
	start := fmt.Sprintf("%d-18446744073709551615", ep.CreatedAt.UnixMilli()-1) // the last ID before this millisecond
	_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range st.shards {
			p.Set(ctx, st.cursorKey(ep.ID, i), start, 0)
		}
		b, _ := json.Marshal(ep)
		p.HSet(ctx, st.endpointsKey(), ep.ID, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webhooks: add: %w", err)
	}
	st.mu.Lock()
	st.any = true
	st.mu.Unlock()
	return ep, nil
}

// checkTypes refuses an unknown event type, naming it.
func checkTypes(events []string) ([]string, error) {
	if len(events) == 0 {
		return slices.Clone(Types), nil
	}
	var out []string
	for _, e := range events {
		e = strings.TrimSpace(e)
		if !slices.Contains(Types, e) {
			return nil, fmt.Errorf("webhooks: events: %q is not one of %s", e, strings.Join(Types, ", "))
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// List is every endpoint, by ID.
func (st *Store) List(ctx context.Context) ([]*Endpoint, error) {
	all, err := st.rdb.HGetAll(ctx, st.endpointsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("webhooks: list: %w", err)
	}
	out := make([]*Endpoint, 0, len(all))
	for id, v := range all {
		var ep Endpoint
		if err := json.Unmarshal([]byte(v), &ep); err != nil {
			return nil, fmt.Errorf("webhooks: list: endpoint %s: %w", id, err)
		}
		out = append(out, &ep)
	}
	slices.SortFunc(out, func(a, b *Endpoint) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Status is endpoint id's last delivery.
func (st *Store) Status(ctx context.Context, id string) (Status, error) {
	h, err := st.rdb.HGetAll(ctx, st.statusKey(id)).Result()
	if err != nil {
		return Status{}, fmt.Errorf("webhooks: status %s: %w", id, err)
	}
	var s Status
	s.Last, s.Error = h["last"], h["error"]
	if ms, err := parseInt(h["at"]); err == nil && ms > 0 {
		s.At = time.UnixMilli(ms).UTC()
	}
	s.Delivered, _ = parseInt(h["delivered"])
	return s, nil
}

func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
