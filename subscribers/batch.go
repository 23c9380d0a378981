package subscribers

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/rscript"
)

// Batched dispatch. AcquireMany and CompleteMany do what Acquire and
// Complete do for many subscribers at once, in one pipelined round trip
// (plus one for the due set): still one script per subscriber touching only
// that subscriber's own keys, so they work on Redis Cluster too, and each
// subscriber's lease is checked on its own.

// Completion is one subscriber's Complete in CompleteMany. Log, when not
// empty, is pushed onto the subscriber's own delivery log (kept to LogCap
// entries) in the same script that moves the cursor.
type Completion struct {
	ID      string
	Token   string
	Cursor  time.Time
	NextDue time.Time
	Log     string
}

// LogCap is how many entries a subscriber's own delivery log keeps at most:
// more than a week of hourly digests. LogAge is how long it keeps them: a
// week and a day, so "what did X get this week" is answered for every
// schedule, and a daily reader's log stays at about eight entries (some
// 800 bytes) instead of growing to LogCap.
const (
	LogCap = 200
	LogAge = 8 * 24 * time.Hour
)

// AcquireMany leases each of ids to token until now+lease, as Acquire does,
// with one pipelined round trip. subs[i] and errs[i] are what Acquire would
// return for ids[i].
func (st *Store) AcquireMany(ctx context.Context, ids []string, token string, now time.Time, lease time.Duration) (subs []*Subscriber, errs []error) {
	subs, errs = make([]*Subscriber, len(ids)), make([]error, len(ids))
	if token == "" || lease <= 0 {
		for i, id := range ids {
			errs[i] = fmt.Errorf("subscribers: acquire %s: need a token and a positive lease", id)
		}
		return subs, errs
	}
	calls := make([]scriptCall, len(ids))
	for i, id := range ids {
		calls[i] = scriptCall{Keys: []string{st.subKey(id)},
			Args: []any{token, now.UnixMilli(), now.Add(lease).UnixMilli()}}
	}
	cmds := st.evalMany(ctx, acquireScript, calls)
	for i, id := range ids {
		reply, err := cmds[i].Slice()
		if err != nil {
			errs[i] = fmt.Errorf("subscribers: acquire %s: %w", id, err)
			continue
		}
		subs[i], errs[i] = acquired(id, reply)
	}
	st.syncOrFail(ctx, ids, errs, "acquire")
	return subs, errs
}

// syncOrFail waits for the replicas to acknowledge the writes for the ids
// whose errs[i] is nil, and sets errs[i] to ErrNotDurable where they did
// not: a lease or cursor the replicas lack may be lost in a failover.
func (st *Store) syncOrFail(ctx context.Context, ids []string, errs []error, op string) {
	var done []string
	for i, id := range ids {
		if errs[i] == nil {
			done = append(done, id)
		}
	}
	failed := st.Sync(ctx, done)
	for i, id := range ids {
		if errs[i] == nil && failed[id] != nil {
			errs[i] = fmt.Errorf("subscribers: %s %s: %w", op, id, failed[id])
		}
	}
}

// CompleteMany does Complete for each of cs: the complete scripts in one
// pipelined round trip, then the due-shard changes of all of them in one
// more (one ZADD a shard), then the wait for the replicas (when
// the store waits). errs[i] is cs[i]'s error, as Complete would return it;
// ErrNotDurable says the cursor moved but the replicas did not confirm it,
// and Sync may be called again for it.
func (st *Store) CompleteMany(ctx context.Context, cs []Completion) []error {
	errs := make([]error, len(cs))
	calls := make([]scriptCall, len(cs))
	for i, c := range cs {
		calls[i] = scriptCall{Keys: []string{st.subKey(c.ID), st.logKey(c.ID)},
			Args: []any{c.Token, msOf(c.Cursor), msOf(c.NextDue), c.Log, LogCap, msOf(c.Cursor.Add(-LogAge))}}
	}
	cmds := st.evalMany(ctx, completeScript, calls)
	moves := map[string]*dueMove{}
	var done []int
	ids := make([]string, len(cs))
	for i, c := range cs {
		status, due, err := finished(cmds[i])
		if err != nil {
			errs[i] = fmt.Errorf("subscribers: complete %s: %w", c.ID, err)
			continue
		}
		done = append(done, i)
		st.queueMove(moves, c.ID, status, due)
	}
	if err := st.moveDue(ctx, moves); err != nil {
		for _, i := range done {
			errs[i] = fmt.Errorf("subscribers: complete %s: due: %w", cs[i].ID, err)
		}
	}
	for i, c := range cs {
		ids[i] = c.ID
	}
	st.syncOrFail(ctx, ids, errs, "complete")
	return errs
}

// dueMove is what changes in one due shard.
type dueMove struct {
	add []redis.Z
}

// queueMove notes id's due change in its shard's move.
func (st *Store) queueMove(moves map[string]*dueMove, id string, status Status, due int64) {
	key := st.dueKey(id)
	m := moves[key]
	if m == nil {
		m = &dueMove{}
		moves[key] = m
	}
	m.add = append(m.add, redis.Z{Score: dueScore(status, due), Member: id})
}

// finished reads a lease-ending script's reply {code, status, due ms}.
func finished(cmd *redis.Cmd) (Status, int64, error) {
	reply, err := cmd.Slice()
	if err != nil {
		return "", 0, err
	}
	switch code, _ := reply[0].(int64); code {
	case 0:
		return "", 0, ErrNotFound
	case 1:
		return "", 0, ErrLeaseLost
	}
	status, _ := reply[1].(string)
	due, _ := parseMS(reply[2])
	return Status(status), due, nil
}

func parseMS(v any) (int64, error) {
	if n, ok := v.(int64); ok {
		return n, nil
	}
	s, _ := v.(string)
	return strconv.ParseInt(s, 10, 64)
}

// moveDue applies due-shard changes in one round trip.
func (st *Store) moveDue(ctx context.Context, moves map[string]*dueMove) error {
	if len(moves) == 0 {
		return nil
	}
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for key, m := range moves {
			p.ZAdd(ctx, key, m.add...)
		}
		return nil
	})
	return err
}

// scriptCall is one run of a script.
type scriptCall = rscript.Call

// evalMany runs script once per call in one pipeline.
func (st *Store) evalMany(ctx context.Context, script *redis.Script, calls []scriptCall) []*redis.Cmd {
	return rscript.EvalMany(ctx, st.rdb, script, calls)
}
