package subscribers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The dispatch cycle of one worker:
//
//	ids := Claim(now, limit, lease)        // due IDs, hidden from others for lease
//	sub := Acquire(id, token, now, lease)  // ErrBusy: another worker has it; skip
//	... build and send the window (sub.Cursor, now] ...
//	Complete(id, token, now, next)         // sent (or nothing to send)
//	Release(id, token, retryAt, err)       // temporary failure: retry, keep cursor
//	Bounce(id, token, reason, n, next)     // permanent failure: count, maybe suppress
//
// A subscriber Acquire returns no longer active is finished with
// Complete(id, token, sub.Cursor, time.Time{}), which takes it out of the due
// set. An ID whose hash is gone (ErrNotFound from Acquire) or whose NextDue
// is later than the claim (a due entry out of step with the hash) is put
// right with Resync.

// Claim returns up to limit IDs due at or before now, oldest first within
// each due shard, and hides each from other claimers until now+lease. An ID
// claimed but never completed becomes claimable again when the lease has
// passed. The limit is spread over the shards, starting at a random one,
// and what a shard could not fill goes to the shards that still have work,
// so no process owns a part of the schedule. A shard that cannot be read
// (its master just died) is left out: what the others gave is returned, so
// none of it waits behind its lease, and the error only when nothing was
// claimed.
func (st *Store) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]string, error) {
	if limit <= 0 {
		return nil, nil
	}
	if lease <= 0 {
		return nil, fmt.Errorf("subscribers: claim: lease %v must be positive", lease)
	}
	pending := rotated(st.shards, mrand.IntN(st.shards))
	var due []redis.Z
	var failed error
	for len(due) < limit && len(pending) > 0 {
		got, more, err := st.claimRound(ctx, pending, now, limit-len(due), lease)
		due, pending, failed = append(due, got...), more, cmp.Or(failed, err)
	}
	if len(due) == 0 && failed != nil {
		return nil, fmt.Errorf("subscribers: claim: %w", failed)
	}
	slices.SortStableFunc(due, func(a, b redis.Z) int { return cmp.Compare(a.Score, b.Score) })
	ids := make([]string, len(due))
	for i, z := range due {
		ids[i], _ = z.Member.(string)
	}
	return ids, nil
}

// claimRound claims up to want IDs (with their due times) from shards,
// spread evenly (the first shards take one more), in one pipelined round
// trip. more lists the shards that may hold more: those that gave all they
// were asked for, and those asked for none; err is the first shard's
// failure (that shard is not in more).
func (st *Store) claimRound(ctx context.Context, shards []int, now time.Time, want int, lease time.Duration) (due []redis.Z, more []int, err error) {
	asked := make([]int, len(shards))
	calls := make([]scriptCall, 0, len(shards))
	for i, sh := range shards {
		if asked[i] = want / len(shards); i < want%len(shards) {
			asked[i]++
		}
		calls = append(calls, scriptCall{Keys: []string{st.shardKey("due", sh)},
			Args: []any{now.UnixMilli(), asked[i], now.Add(lease).UnixMilli()}})
	}
	cmds := st.evalMany(ctx, claimScript, calls)
	for i, cmd := range cmds {
		flat, cerr := cmd.StringSlice()
		if cerr != nil {
			err = cmp.Or(err, cerr)
			continue
		}
		for j := 0; j+1 < len(flat); j += 2 {
			score, _ := strconv.ParseFloat(flat[j+1], 64)
			due = append(due, redis.Z{Member: flat[j], Score: score})
		}
		if len(flat)/2 == asked[i] {
			more = append(more, shards[i])
		}
	}
	return due, more, err
}

// rotated is 0..n-1 starting at start.
func rotated(n, start int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = (start + i) % n
	}
	return out
}

// Acquire leases the subscriber id to token until now+lease and returns it.
// It fails with ErrNotFound when the subscriber is gone and ErrBusy while
// another token holds an unexpired lease. The holder may Acquire again to
// extend its lease.
func (st *Store) Acquire(ctx context.Context, id, token string, now time.Time, lease time.Duration) (*Subscriber, error) {
	if token == "" || lease <= 0 {
		return nil, fmt.Errorf("subscribers: acquire %s: need a token and a positive lease", id)
	}
	reply, err := acquireScript.Run(ctx, st.rdb, []string{st.subKey(id)},
		token, now.UnixMilli(), now.Add(lease).UnixMilli()).Slice()
	if err != nil {
		return nil, fmt.Errorf("subscribers: acquire %s: %w", id, err)
	}
	return acquired(id, reply)
}

// acquired reads the acquire script's reply for id.
func acquired(id string, reply []any) (*Subscriber, error) {
	switch code, _ := reply[0].(int64); code {
	case 0:
		return nil, fmt.Errorf("subscribers: acquire %s: %w", id, ErrNotFound)
	case 1:
		return nil, fmt.Errorf("subscribers: acquire %s: %w", id, ErrBusy)
	}
	sub, err := decodeSubscriber(id, pairs(reply[1]))
	if err != nil {
		return nil, fmt.Errorf("subscribers: acquire %s: %w", id, err)
	}
	return sub, nil
}

// Complete ends token's lease after a delivery (or a window with nothing to
// send): the cursor moves to cursor, the last error, the bounce count and
// the attempt count are cleared, and the subscriber is due again at nextDue (zero: not due,
// as for instant subscribers). When MarkDue was called for a time after
// cursor meanwhile, the subscriber stays due at that time instead, if
// sooner. It fails with ErrLeaseLost when token no longer holds the lease.
func (st *Store) Complete(ctx context.Context, id, token string, cursor, nextDue time.Time) error {
	return st.finish(ctx, "complete", completeScript, id, token,
		[]any{token, msOf(cursor), msOf(nextDue), "", 0, 0})
}

// Release ends token's lease after a temporary failure: the cursor stays,
// lastError is recorded, the attempt count goes up and the subscriber is
// due again at retryAt.
func (st *Store) Release(ctx context.Context, id, token string, retryAt time.Time, lastError string) error {
	return st.finish(ctx, "release", releaseScript, id, token,
		[]any{token, msOf(retryAt), lastError})
}

// Hold ends token's lease after a channel-level failure (the relay or Slack
// is down, or refused Herald's credentials): like Release, but no attempt is
// counted, since the subscriber did nothing wrong.
func (st *Store) Hold(ctx context.Context, id, token string, retryAt time.Time, reason string) error {
	return st.finish(ctx, "hold", holdScript, id, token,
		[]any{token, msOf(retryAt), reason})
}

// Bounce ends token's lease after a permanent failure: the bounce count
// goes up and reason is recorded. Once bounces reach threshold (at least 1)
// the subscriber is suppressed (status bounced, or failing for Slack; an
// unsubscribed one stays unsubscribed) and leaves the due set; otherwise
// the cursor stays and it is due again at nextDue.
func (st *Store) Bounce(ctx context.Context, id, token string, reason string, threshold int, nextDue time.Time) (suppressed bool, err error) {
	err = st.finish(ctx, "bounce", bounceScript, id, token,
		[]any{token, msOf(nextDue), reason, max(threshold, 1)})
	var s *suppressedErr
	if !errors.As(err, &s) {
		return false, err
	}
	sub, gerr := st.Get(ctx, id)
	if gerr != nil {
		return true, gerr
	}
	return true, st.suppressAfter(ctx, sub, "bounced: "+reason)
}

// suppressedErr carries "suppressed" out of finish.
type suppressedErr struct{}

func (*suppressedErr) Error() string { return "suppressed" }

// finish runs one of the lease-ending scripts on the subscriber's hash and
// then moves its due entry. The script replies {code, status, next due ms}.
func (st *Store) finish(ctx context.Context, op string, script *redis.Script, id, token string, args []any) error {
	reply, err := script.Run(ctx, st.rdb, []string{st.subKey(id), st.logKey(id)}, args...).Slice()
	if err != nil {
		return fmt.Errorf("subscribers: %s %s: %w", op, id, err)
	}
	switch code, _ := reply[0].(int64); code {
	case 0:
		return fmt.Errorf("subscribers: %s %s: %w", op, id, ErrNotFound)
	case 1:
		return fmt.Errorf("subscribers: %s %s: %w", op, id, ErrLeaseLost)
	}
	status, _ := reply[1].(string)
	due, _ := strconv.ParseInt(fmt.Sprint(reply[2]), 10, 64)
	_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		st.setDue(ctx, p, id, Status(status), msTime(timeFromMS(due)))
		return nil
	})
	if err != nil {
		return fmt.Errorf("subscribers: %s %s: due: %w", op, id, err)
	}
	if code, _ := reply[0].(int64); code == 3 {
		return &suppressedErr{}
	}
	return nil
}

// MarkDue makes an active subscriber due at at, or keeps it due sooner
// (used for instant alerts as a story lands). It does nothing for a
// subscriber that is not active.
func (st *Store) MarkDue(ctx context.Context, id string, at time.Time) error {
	ms := at.UnixMilli()
	code, err := markScript.Run(ctx, st.rdb, []string{st.subKey(id)}, ms).Int()
	switch {
	case err != nil:
		return fmt.Errorf("subscribers: mark due %s: %w", id, err)
	case code == 0:
		return fmt.Errorf("subscribers: mark due %s: %w", id, ErrNotFound)
	case code == 1:
		return nil
	}
	if err := st.rdb.ZAddLT(ctx, st.dueKey(id), redis.Z{Score: float64(ms), Member: id}).Err(); err != nil {
		return fmt.Errorf("subscribers: mark due %s: %w", id, err)
	}
	return nil
}

// MarkDueMany does MarkDue for each of ids, in two pipelined round trips
// (the scripts, then the due shards). Missing and inactive subscribers are
// passed over.
func (st *Store) MarkDueMany(ctx context.Context, ids []string, at time.Time) error {
	ms := at.UnixMilli()
	calls := make([]scriptCall, len(ids))
	for i, id := range ids {
		calls[i] = scriptCall{Keys: []string{st.subKey(id)}, Args: []any{ms}}
	}
	cmds := st.evalMany(ctx, markScript, calls)
	_, err := st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, cmd := range cmds {
			if code, _ := cmd.Int(); code == 2 {
				p.ZAddLT(ctx, st.dueKey(ids[i]), redis.Z{Score: float64(ms), Member: ids[i]})
			}
		}
		return nil
	})
	for _, cmd := range cmds {
		if cmd.Err() != nil {
			err = cmd.Err()
		}
	}
	if err != nil {
		return fmt.Errorf("subscribers: mark %d due: %w", len(ids), err)
	}
	return nil
}

// Resync sets id's due entry to at (removes it when at is zero: the
// subscriber is gone), for a due entry found out of step with the
// subscriber's hash.
func (st *Store) Resync(ctx context.Context, id string, at time.Time) error {
	var err error
	if at.IsZero() {
		err = st.rdb.ZRem(ctx, st.dueKey(id), id).Err()
	} else {
		err = st.rdb.ZAdd(ctx, st.dueKey(id), redis.Z{Score: float64(at.UnixMilli()), Member: id}).Err()
	}
	if err != nil {
		return fmt.Errorf("subscribers: resync %s: %w", id, err)
	}
	return nil
}

// Backlog returns how many subscribers are due at now and when the oldest
// of them fell due (zero when none is), over every due shard.
func (st *Store) Backlog(ctx context.Context, now time.Time) (due int64, oldest time.Time, err error) {
	upTo := strconv.FormatInt(now.UnixMilli(), 10)
	counts := make([]*redis.IntCmd, st.shards)
	firsts := make([]*redis.ZSliceCmd, st.shards)
	_, err = st.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range counts {
			key := st.shardKey("due", i)
			counts[i] = p.ZCount(ctx, key, "-inf", upTo)
			firsts[i] = p.ZRangeByScoreWithScores(ctx, key, &redis.ZRangeBy{Min: "-inf", Max: upTo, Count: 1})
		}
		return nil
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("subscribers: backlog: %w", err)
	}
	for i := range counts {
		due += counts[i].Val()
		if zs := firsts[i].Val(); len(zs) > 0 {
			at := msTime(time.UnixMilli(int64(zs[0].Score)))
			if oldest.IsZero() || at.Before(oldest) {
				oldest = at
			}
		}
	}
	return due, oldest, nil
}

// DueAt returns when id is next due by its due shard (zero when it is not
// in the due set).
func (st *Store) DueAt(ctx context.Context, id string) (time.Time, error) {
	score, err := st.rdb.ZScore(ctx, st.dueKey(id), id).Result()
	if errors.Is(err, redis.Nil) || err == nil && score >= notDue {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("subscribers: due of %s: %w", id, err)
	}
	return msTime(time.UnixMilli(int64(score))), nil
}

// pairs turns a flat HGETALL reply into a map.
func pairs(v any) map[string]string {
	flat := stringList(v)
	m := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		m[flat[i]] = flat[i+1]
	}
	return m
}

// stringList turns an array reply of bulk strings into a slice.
func stringList(v any) []string {
	items, _ := v.([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, _ := it.(string)
		out = append(out, s)
	}
	return out
}

// claimScript: KEYS[1] a due shard; ARGV now ms, limit, lease end ms.
// Replies id, due ms, id, due ms, ... oldest first.
var claimScript = redis.NewScript(`
if tonumber(ARGV[2]) == 0 then return {} end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
if #due == 0 then return due end
local args = {}
for i = 1, #due, 2 do args[i], args[i + 1] = ARGV[3], due[i] end
redis.call('ZADD', KEYS[1], unpack(args))
return due
`)

// acquireScript: KEYS sub hash; ARGV token, now ms, lease end ms.
// Replies {0} missing, {1} busy, {2, HGETALL} leased. The hash
// is read once (the scripts run for every subscriber of every dispatch, so
// they keep to few calls); the reply's lease fields are those from before
// the lease was taken, which decoding ignores.
var acquireScript = redis.NewScript(`
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return {0} end
local holder, untilMs = false, 0
for i = 1, #h, 2 do
  if h[i] == 'lease_token' then holder = h[i + 1]
  elseif h[i] == 'lease_until' then untilMs = tonumber(h[i + 1]) or 0 end
end
if holder and holder ~= '' and holder ~= ARGV[1] and untilMs > tonumber(ARGV[2]) then return {1} end
redis.call('HSET', KEYS[1], 'lease_token', ARGV[1], 'lease_until', ARGV[3])
return {2, h}
`)

// leaseCheck opens every lease-ending script: {0} missing, {1} not ours.
// It reads what the scripts need in one HMGET (a stored subscriber always
// has a status; EXISTS settles the odd hash without one). Each script
// then drops the lease fields (leaseFields) in its own HDEL.
const leaseCheck = `
local f = redis.call('HMGET', KEYS[1], 'lease_token', 'status', 'marked_at')
if not f[2] and redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
if f[1] ~= ARGV[1] then return {1} end
local status = f[2] or ''
`

// leaseFields are the lease's fields, as HDEL arguments.
const leaseFields = `'lease_token', 'lease_until'`

// completeScript: KEYS sub hash, its log; ARGV token, cursor ms, next due
// ms (0 none), a delivery-log entry ("" none), the log's length cap, the
// time (ms) before which entries are dropped. The log entry goes in with
// the cursor move, in one script, so the subscriber's log says what its
// cursor says. An entry starts with its time in ms; a few of the oldest
// are dropped a call, so a backlog drains over the next digests.
var completeScript = redis.NewScript(leaseCheck + `
local due = ARGV[3]
local marked = f[3] or '0'
if tonumber(marked) > tonumber(ARGV[2]) and (tonumber(due) == 0 or tonumber(marked) < tonumber(due)) then
  due = marked
end
redis.call('HSET', KEYS[1], 'cursor', ARGV[2], 'next_due', due)
redis.call('HDEL', KEYS[1], ` + leaseFields + `, 'bounces', 'last_error', 'attempts')
if ARGV[4] ~= '' then
  if redis.call('LPUSH', KEYS[2], ARGV[4]) > tonumber(ARGV[5]) then
    redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)
  end
  for _ = 1, 4 do
    local last = redis.call('LINDEX', KEYS[2], -1)
    local at = last and tonumber(string.match(last, '^%d+'))
    if not at or at >= tonumber(ARGV[6]) then break end
    redis.call('RPOP', KEYS[2])
  end
end
return {2, status, due}
`)

// releaseScript: ARGV token, retry at ms, last error.
var releaseScript = redis.NewScript(leaseCheck + `
redis.call('HDEL', KEYS[1], ` + leaseFields + `)
redis.call('HSET', KEYS[1], 'next_due', ARGV[2], 'last_error', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
return {2, status, ARGV[2]}
`)

// holdScript: ARGV token, retry at ms, reason.
var holdScript = redis.NewScript(leaseCheck + `
redis.call('HDEL', KEYS[1], ` + leaseFields + `)
redis.call('HSET', KEYS[1], 'next_due', ARGV[2], 'last_error', ARGV[3])
return {2, status, ARGV[2]}
`)

// bounceScript: ARGV token, next due ms, reason, threshold.
// Replies {3, status, '0'} when suppressed.
var bounceScript = redis.NewScript(leaseCheck + `
redis.call('HDEL', KEYS[1], ` + leaseFields + `)
local n = redis.call('HINCRBY', KEYS[1], 'bounces', 1)
redis.call('HSET', KEYS[1], 'last_error', ARGV[3])
if n >= tonumber(ARGV[4]) then
  if status ~= 'unsubscribed' then
    status = 'bounced'
    if redis.call('HGET', KEYS[1], 'kind') == 'slack' then status = 'failing' end
  end
  redis.call('HSET', KEYS[1], 'status', status, 'next_due', '0')
  return {3, status, '0'}
end
redis.call('HSET', KEYS[1], 'next_due', ARGV[2])
return {2, status, ARGV[2]}
`)

// markScript: ARGV at ms. Replies 0 missing, 1 not active, 2 marked.
var markScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'status') ~= 'active' then return 1 end
local at = tonumber(ARGV[1])
local cur = tonumber(redis.call('HGET', KEYS[1], 'next_due') or '0') or 0
if cur == 0 or at < cur then redis.call('HSET', KEYS[1], 'next_due', ARGV[1]) end
local marked = tonumber(redis.call('HGET', KEYS[1], 'marked_at') or '0') or 0
if at > marked then redis.call('HSET', KEYS[1], 'marked_at', ARGV[1]) end
return 2
`)
