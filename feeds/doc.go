// Package feeds brings stories in from RSS 2.0, Atom 1.0 and JSON Feed
// sources: the feed store in Redis (what to poll, how often, which topics
// its items get, and how the last poll went), the fetcher (conditional
// GET, a body cap, a redirect limit, no internal addresses unless
// allow-listed), the mapping of an item to a story, and the poller that
// serve runs on every feed's own interval.
//
// # Items become stories
//
// An item's identity is its GUID (Atom id, JSON Feed id), or its link when
// it has none: the story ID is "feed-" and the first 24 hex digits of the
// SHA-256 of that identity, so the same item polled again, edited, or
// re-published in another feed is the same story. The stories store's
// idempotent put does the rest: an edited item replaces the story's
// content, and only a story seen for the first time alerts anyone. An
// item that is what is stored already is not written again (the poller
// reads the story first), and an item without a date keeps the time it
// was first seen as its publication time.
//
// HTML in an item's title, summary or content never passes through: it is
// reduced to Herald's plain paragraphs (PlainText), markup dropped and
// entities decoded. The summary comes from the item's description (or its
// content when it has none); content that says more becomes the
// background. An item's topics are the feed's fixed topics plus, for each
// of the item's categories, the topic its category rule names.
//
// # Polling
//
// Each feed has its own interval. A poll holds the feed's lease (SET NX PX,
// taken again for every poll), so two processes never fetch one feed at
// once, and it re-reads the feed's next poll time under the lease, so a
// feed polled by another process a moment ago is not fetched again before
// its interval is up. A fetch sends If-None-Match and If-Modified-Since
// from the last answer; a 304 is a poll with nothing new. An error (a
// refused address, a 404, a body over the cap, too many redirects, a
// document that does not parse) is the feed's status; the next poll waits
// the interval, doubled for every failure in a row (at most MaxBackoff),
// or the Retry-After of a 429 or 503 when that is longer. A broken feed
// never stops the others. A document's first DefaultMaxItems items are
// read (feeds list their newest first).
//
// # Redis layout
//
// Every key starts with the prefix given to NewStore (see keys.go):
//
//	<prefix>feeds               SET     every feed ID: the index (no SCAN)
//	<prefix>feed:{ID}           HASH    config (Feed as JSON), status
//	                                    (Status as JSON)
//	<prefix>feed:{ID}:lease     STRING  the poller holding the feed; expires
//
// The keys of one feed share the hash tag {ID}; no operation spans two
// feeds, so the layout works on Redis Cluster.
package feeds
