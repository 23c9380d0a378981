// The Redis layout of the store. Every key starts with the store's
// prefix <p> (e.g. "herald:"); keys of one subscriber share the hash tag
// {ID}, and every MULTI or Lua script touches the keys of one subscriber
// only (or the due set alone), so the layout works on Redis Cluster.
//
//	<p>sub:{ID}             HASH   id, kind, email, name, slack_channel,
//	                               webhook_url, time_zone, schedule,
//	                               max_stories, status, created_at, cursor,
//	                               next_due, bounces, last_error,
//	                               lease_token, lease_until, marked_at
//	<p>sub:{ID}:topics      SET    followed topic slugs
//	<p>topic:<slug>:subs    SET    reverse index: IDs following the topic
//	<p>email:<email>        STRING ID owning the (lowercased) address
//	<p>slack:<dest>         STRING ID owning a Slack channel ID, or the
//	                               hex SHA-256 of a webhook URL
//	<p>subs                 ZSET   ID scored by created_at (Count)
//	<p>subs:ids             ZSET   ID scored 0, ordered by ID (List)
//	<p>due                  ZSET   ID scored by next due time
//
// Times are unix milliseconds (0 = none). A destination key is first set
// with a short expiry and made permanent once the subscriber's hash is
// written, so a crash mid-Add frees the address by itself; a permanent key
// whose subscriber is gone is taken over by the next Add.
//
// The sub's own keys are written first, then (pipelined, one key per
// command) the reverse index and the sorted sets. Readers of the reverse
// index and of the due set must tolerate an ID whose hash is gone.
//
// Dispatch: Claim takes due IDs from <p>due and re-scores them to the end of
// a lease so no other process claims them meanwhile; Acquire then leases the
// subscriber's hash (lease_token, lease_until); Complete, Release or Bounce
// end the lease and put the ID back in <p>due at its next time. marked_at is
// the latest MarkDue (an instant alert): a Complete whose window ended before
// it keeps the subscriber due, so a story that lands mid-delivery still goes.
package subscribers
