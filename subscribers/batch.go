package subscribers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Batched dispatch. AcquireMany and CompleteMany do what Acquire and
// Complete do for many subscribers at once, in one pipelined round trip
// (plus one for the due set): still one script per subscriber touching only
// that subscriber's own keys, so they work on Redis Cluster too, and each
// subscriber's lease is checked on its own.

// Completion is one subscriber's Complete in CompleteMany.
type Completion struct {
	ID      string
	Token   string
	Cursor  time.Time
	NextDue time.Time
}

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
		calls[i] = scriptCall{keys: []string{st.subKey(id), st.topicsKey(id)},
			args: []any{token, now.UnixMilli(), now.Add(lease).UnixMilli()}}
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
	return subs, errs
}

// CompleteMany does Complete for each of cs: the complete scripts in one
// pipelined round trip, then the due-set changes of all of them in one
// more (a single ZADD and a single ZREM). errs[i] is cs[i]'s error, as
// Complete would return it.
func (st *Store) CompleteMany(ctx context.Context, cs []Completion) []error {
	errs := make([]error, len(cs))
	calls := make([]scriptCall, len(cs))
	for i, c := range cs {
		calls[i] = scriptCall{keys: []string{st.subKey(c.ID)},
			args: []any{c.Token, msOf(c.Cursor), msOf(c.NextDue)}}
	}
	cmds := st.evalMany(ctx, completeScript, calls)
	var add []redis.Z
	var rem []any
	var done []int
	for i, c := range cs {
		status, due, err := finished(cmds[i])
		if err != nil {
			errs[i] = fmt.Errorf("subscribers: complete %s: %w", c.ID, err)
			continue
		}
		done = append(done, i)
		if status != StatusActive || due == 0 {
			rem = append(rem, c.ID)
		} else {
			add = append(add, redis.Z{Score: float64(due), Member: c.ID})
		}
	}
	if err := st.moveDue(ctx, add, rem); err != nil {
		for _, i := range done {
			errs[i] = fmt.Errorf("subscribers: complete %s: due: %w", cs[i].ID, err)
		}
	}
	return errs
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

// moveDue applies due-set changes in one round trip.
func (st *Store) moveDue(ctx context.Context, add []redis.Z, rem []any) error {
	if len(add) == 0 && len(rem) == 0 {
		return nil
	}
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		if len(add) > 0 {
			p.ZAdd(ctx, st.dueKey(), add...)
		}
		if len(rem) > 0 {
			p.ZRem(ctx, st.dueKey(), rem...)
		}
		return nil
	})
	return err
}

// scriptCall is one run of a script.
type scriptCall struct {
	keys []string
	args []any
}

// evalMany runs script once per call in one pipeline (EVALSHA). Calls the
// server answers NOSCRIPT (its script cache was flushed) did not run; they
// are sent again with the script's source.
func (st *Store) evalMany(ctx context.Context, script *redis.Script, calls []scriptCall) []*redis.Cmd {
	cmds := make([]*redis.Cmd, len(calls))
	_, _ = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range calls {
			cmds[i] = script.EvalSha(ctx, p, c.keys, c.args...)
		}
		return nil
	})
	var again []int
	for i, cmd := range cmds {
		if err := cmd.Err(); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
			again = append(again, i)
		}
	}
	if len(again) == 0 {
		return cmds
	}
	_, _ = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, i := range again {
			cmds[i] = script.Eval(ctx, p, calls[i].keys, calls[i].args...)
		}
		return nil
	})
	return cmds
}
