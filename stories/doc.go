// Package stories owns the Story and Topic types, their validation, the
// topic registry and the Redis store: idempotent put, per-topic index by
// ingest time, and retention.
//
// # Untrusted text
//
// Every field of a story is untrusted. Validation is about shape, not about
// content:
//
//   - All text must be valid UTF-8 and may not contain NUL.
//   - Single-line fields (id, url, headline, analysis heading, source outlet
//     and url, question, topic slug and name) reject CR, LF, U+2028/U+2029,
//     every other control character and the bidi embeddings, overrides and
//     isolates (U+202A–U+202E, U+2066–U+2069; see package internal/display),
//     so they are safe to put in a mail header or a Slack field and cannot
//     make a headline display reordered ("Trojan Source" text). Bidi marks
//     (U+200E, U+200F, U+061C) are allowed.
//   - Body fields (summary, analysis body, source summary, background,
//     answer, topic description) may hold newlines and tabs but no other
//     control character, nor U+2028/U+2029. Bidi controls are allowed in
//     them: a body is laid out as paragraphs of its own, which end any
//     embedding left open, and right-to-left prose may need them. Normalize turns CRLF and lone CR into LF.
//   - HTML, Markdown, RTL text, emoji and CJK are ACCEPTED and stored as
//     given. A headline such as "<script>alert(1)</script>" is a valid
//     headline: it is plain text, and every renderer escapes it for its own
//     context (html/template, text/template, Slack mrkdwn), so it shows as
//     text. Rejecting or stripping markup here would both lose legitimate
//     text ("S&P 500 <> bonds") and give a false sense of safety.
//   - Sizes are bounded: see the Max constants. A story's JSON, as given to
//     Parse and as encoded by the store, is at most MaxStoryBytes.
//
// Topic slugs come from Slug: lowercase Unicode letters and digits (and the
// combining marks that follow them) joined by single hyphens.
//
// # Redis layout
//
// Every key starts with the prefix given to NewStore (e.g. "herald:"):
//
//	<prefix>story:<id>            STRING  the story as JSON; expires Retention
//	                                      after it was first ingested
//	<prefix>storyrev:<id>         STRING  the stored story's revision (Rev:
//	                                      a hash of its bytes); expires with
//	                                      the story
//	<prefix>story:<id>:reach      HASH    counter -> messages that carried
//	                                      the story (AddReach); expires
//	                                      Retention after its first count
//	<prefix>topic:<slug>:stories  ZSET    story id -> ingest time (unix ms)
//	<prefix>topics                HASH    slug -> Topic as JSON (the registry)
//
// Index entries are scored by ingest time, not publication time, so a story
// that arrives late still reaches every digest whose window is still open,
// and a re-imported story (same id) keeps its first ingest time: ZADD NX
// never moves a score, so an updated story never re-enters a window it has
// already been in.
//
// The registry keeps a topic's first name; a story that brings a non-empty
// description replaces the stored one (the last non-empty description wins),
// and SetTopic, the admin's edit, replaces both.
//
// Ids and slugs cannot hold '{' or '}', so no key ever forms an accidental
// Redis Cluster hash tag. No operation here spans two keys atomically: reads
// across topics are pipelined single-key reads, and a put writes the story
// before its index entries, so a retried put repairs a put that failed half
// way.
package stories
