// Package channels is the home of Herald's delivery channels, one package
// each, all satisfying digest.Channel (Send(ctx, msg) error, failures
// classified with digest.Temporary and digest.Permanent):
//
//   - channels/email: SMTP through go-mail, a bounded pool of persistent
//     connections, rate limiting, in-Send retries of temporary failures,
//     RFC 8058 one-click List-Unsubscribe headers.
//   - channels/slack: Slack through slack-go, a bot token or an incoming
//     webhook.
//   - channels/outbox: files in a folder (.eml and Slack payload .json), the
//     same bytes the real channels would send; for the demo and dry runs.
//
// The interface itself lives with its consumer, in package digest.
package channels
