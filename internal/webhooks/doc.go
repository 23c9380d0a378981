// Package webhooks sends Herald's events to the operator's endpoints:
// message.sent, message.failed, message.bounced, subscriber.unsubscribed,
// subscriber.confirmed and story.ingested.
//
// Sending never waits for an endpoint. Emitting an event is one XADD to an
// outbox stream in the shard of its subscriber (or story), and nothing
// more; a Deliverer, run by herald serve, works each endpoint's share of
// the outbox on its own, so a dead endpoint holds back only its own
// events. While no endpoint exists (read at most every 5 s) nothing is
// kept at all.
//
// Delivery is at-least-once and in order per subscriber: an endpoint keeps,
// per shard, the stream ID of the last event it accepted (a 2xx). The
// deliverer posts the events after it one at a time, retrying the same
// event with exponential backoff until it is accepted, and moves the
// cursor only then; a crash between the endpoint's 2xx and the cursor's
// move repeats that one event, under the same webhook-id. One process at
// a time works an endpoint (a lease in Redis), so two serve processes never
// reorder or double its events. A subscriber's events are all in one
// shard, hence in order.
//
// Requests are signed per Standard Webhooks (standardwebhooks.com):
// webhook-id, webhook-timestamp (unix seconds) and webhook-signature
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>", keyed by the endpoint's
// secret "whsec_<base64 key>". Endpoint URLs must pass the host policy
// (internal/egress): a host the operator lists in HERALD_WEBHOOK_HOSTS.
//
// Keys, under the store's prefix <p>; <t> is a shard's tag (internal/shard):
//
//	<p>events:{<t>}                 STREAM the shard's outbox, capped (MaxLen)
//	<p>webhooks                     HASH   endpoint ID -> Endpoint JSON
//	<p>webhook:<id>:cursor:{<t>}    STRING the last stream ID the endpoint accepted
//	<p>webhook:<id>:status          HASH   last delivery: status, error, at, delivered
//	<p>webhook:<id>:lease           STRING the process working the endpoint (expires)
//
// No script touches two keys, so the layout works on Redis Cluster.
package webhooks
