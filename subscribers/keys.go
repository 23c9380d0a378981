// The Redis layout of the store, in one place. Every key starts with the
// store's prefix <p> (e.g. "herald:"); the keys of one subscriber share the
// hash tag {ID}, and every Lua script touches the keys of one subscriber
// only, or one shard alone, so the layout works on Redis Cluster. Keys that
// every digest (or every subscriber) would write are split into N shards
// (see package internal/shard): <t> is shard i's tag, and the shard of a
// subscriber is shard.Of(ID, N), of an address shard.Of(address, N).
//
//	<p>sub:{ID}               HASH   kind, email, name, slack_channel,
//	                                 webhook_url, time_zone, schedule,
//	                                 max_stories (absent: the default),
//	                                 status, topics (slugs,
//	                                 comma-separated), created_at, n (the
//	                                 nonce signed links carry), cursor,
//	                                 next_due, bounces, last_error, attempts,
//	                                 lease_token, lease_until, marked_at,
//	                                 pending_since (see pending.go);
//	                                 fields with an empty or zero value are
//	                                 left out
//	<p>sub:{ID}:log           LIST   the subscriber's own delivery log, newest
//	                                 first, capped (written by package digest
//	                                 in the script that moves the cursor)
//	<p>email:<email>          STRING ID owning the (lowercased) address
//	<p>slack:<dest>           STRING ID owning a Slack channel ID, or the hex
//	                                 SHA-256 of a webhook URL
//	<p>topic:<slug>:instant   SET    IDs with an instant schedule following
//	                                 the topic (read in pages by alerts)
//	<p>topic:<slug>:followers STRING how many subscribers follow the topic
//	<p>due:{<t>}              ZSET   every subscriber of the shard, scored by
//	                                 its next due time, or notDue when it is
//	                                 not due (inactive, or instant with
//	                                 nothing pending): the schedule, and the
//	                                 list (List scans it, Count counts it)
//	<p>suppressed:{<t>}       HASH   address -> Suppression JSON
//	<p>pending:{<t>}          ZSET   the shard's pending subscribers, scored
//	                                 by pending_since: unconfirmed sign-ups,
//	                                 which ExpirePending removes
//	<p>cooldown:<hash>        STRING when a confirmation email to an address
//	                                 was last claimed (unix ms); <hash> is the
//	                                 hex SHA-256 of the lowercased address;
//	                                 expires with the cooldown
//	<p>layout                 HASH   version, shards: what wrote this store
//
// Times are unix milliseconds. A destination key is first set with a short
// expiry and made permanent once the subscriber's hash is written, so a
// crash mid-Add frees the address by itself; a permanent key whose
// subscriber is gone is taken over by the next Add.
//
// The subscriber's hash is written first, then (pipelined, one key per
// command) the follower index and the shard sets. Readers of the instant
// sets and of the due shards must tolerate an ID whose hash is gone.
//
// Dispatch: Claim takes due IDs from every due shard and re-scores them to
// the end of a lease so no other process claims them meanwhile; Acquire then
// leases the subscriber's hash (lease_token, lease_until); Complete, Release
// or Bounce end the lease and put the ID back in its due shard at its next
// time. marked_at is the latest MarkDue (an instant alert): a Complete whose
// window ended before it keeps the subscriber due.
package subscribers

import (
	"time"

	"herald/internal/shard"
)

// LayoutVersion is the version of the key layout above. Version 1 (no
// layout key) had single due, subs, subs:ids and suppressed keys, a
// sub:{ID}:topics set and a topic:<slug>:subs set of every follower;
// Migrate converts it.
const LayoutVersion = 2

// Option configures a Store.
type Option func(*Store)

// WithShards splits the hot keys into n shards (shard.DefaultCount when
// n <= 0). Every process of a deployment must use the same n.
func WithShards(n int) Option {
	return func(st *Store) {
		if n > 0 {
			st.shards = min(n, shard.MaxCount)
		}
	}
}

// WithWait makes lease and cursor writes wait until replicas (at most n,
// at most as many as the master has) acknowledge them, each wait at most
// timeout. n = 0 does not wait.
func WithWait(n int, timeout time.Duration) Option {
	return func(st *Store) { st.wait = newWaiter(st.rdb, n, timeout) }
}

// LogKey is the key of subscriber id's own delivery log under prefix.
func LogKey(prefix, id string) string { return prefix + "sub:{" + id + "}:log" }

func (st *Store) subKey(id string) string         { return st.prefix + "sub:{" + id + "}" }
func (st *Store) logKey(id string) string         { return LogKey(st.prefix, id) }
func (st *Store) emailKey(email string) string    { return st.prefix + "email:" + lower(email) }
func (st *Store) instantKey(slug string) string   { return st.prefix + "topic:" + slug + ":instant" }
func (st *Store) followersKey(slug string) string { return st.prefix + "topic:" + slug + ":followers" }
func (st *Store) slackKey(dest string) string     { return st.prefix + "slack:" + dest }
func (st *Store) layoutKey() string               { return st.prefix + "layout" }
func (st *Store) syncKey(id string) string        { return st.subKey(id) + ":sync" }
func (st *Store) cooldownKey(email string) string {
	return st.prefix + "cooldown:" + addressHash(email)
}

// shardKey is shard i's key of the given kind (due, suppressed).
func (st *Store) shardKey(kind string, i int) string {
	return st.prefix + kind + ":{" + shard.Tags(st.shards)[i] + "}"
}

func (st *Store) shardOf(name string) int { return shard.Of(name, st.shards) }
func (st *Store) dueKey(id string) string { return st.shardKey("due", st.shardOf(id)) }
func (st *Store) pendingKey(id string) string {
	return st.shardKey("pending", st.shardOf(id))
}
func (st *Store) suppressedKey(email string) string {
	return st.shardKey("suppressed", st.shardOf(lower(email)))
}

// Shards is the number of shards the store splits its hot keys into.
func (st *Store) Shards() int { return st.shards }
