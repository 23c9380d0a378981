// Package e2e is Herald's fault-injection suite. Its tests start real
// processes — a private redis-server per scenario, `herald serve` built from
// this module as separate OS processes — against an in-process SMTP sink
// (internal/smtptest, which outlives every herald it serves) and a recording
// Slack Web API, then break things: kill -9 mid-dispatch, several processes
// on one Redis, 4xx and 5xx answers, Redis and the SMTP server going away
// and coming back (also the relay down when herald starts), SIGTERM, Slack
// rate limits. Each scenario counts what the
// sink received by Message-ID (email) or by channel and story (Slack) and
// prints one line:
//
//	scenario 1 kill9: sent=2000 duplicates=3 lost=0
//
// sent is the number of subscribers (Slack: story posts) that got their
// message, duplicates the messages beyond one each, lost the ones that got
// nothing. The promise under test (DESIGN.md): delivery is at-least-once
// with idempotency, and a repeat happens only for a message the channel
// accepted in the instant before a crash, carrying the same Message-ID.
//
// Run it with `go test ./e2e/ -v` (about two minutes); `-short` skips it.
// HERALD_E2E_SEED fixes the random kill points, HERALD_E2E_RACE=1 builds the
// herald binary with the race detector, HERALD_E2E_ECHO=1 copies the herald
// processes' logs to stderr.
package e2e
