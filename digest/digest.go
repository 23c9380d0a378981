// Package digest gathers and builds a Digest for one subscriber and one
// window, and runs dispatch: the scheduler tick that claims due subscribers
// from Redis, builds, renders, hands each message to a Channel and records
// the outcome. It defines what it needs from the packages downstream of it
// (Renderer, Channel) as small interfaces.
//
// Ranking: a digest's stories are ordered by the newsroom's priority
// (stories.Story.Priority, 0-9, higher first; 0 when unset), then by how
// many of the reader's followed topics the story matched, then by
// publication time (newest first), then by id. The cap keeps the first
// MaxStories; the rest are counted in More.
package digest

import (
	"encoding/json"
	"slices"
	"time"

	"herald/stories"
	"herald/subscribers"
)

// Window is the half-open interval (Start, End] of ingest times a digest
// covers. Start is the subscriber's cursor; End is the claim time less a
// short settle lag.
type Window struct {
	Start time.Time
	End   time.Time
}

// Item is one story in a digest, with the followed topics it matched.
type Item struct {
	Story   *stories.Story
	Matched []stories.Topic
}

// Links are the reader's personal links, already signed.
type Links struct {
	Site        string // the news site, for "and N more"
	Unsubscribe string // https one-click unsubscribe (RFC 8058 target)
	Preferences string // preferences page
	Mailto      string // mailto: unsubscribe address, "" when none is configured
	// Web is the message's web version ("view in browser"): a signed link
	// to the same digest as a page; "" when none is configured.
	Web string
	// Unfollow holds, by topic slug, a signed link that stops following
	// that topic, for the followed topics the digest's stories matched.
	Unfollow map[string]string
}

// MatchedTopics are the slugs of the topics d's stories matched, each
// once, in the order the stories name them.
func (d *Digest) MatchedTopics() []string {
	var out []string
	for _, it := range d.Items {
		for _, t := range it.Matched {
			if !slices.Contains(out, t.Slug) { // a digest matches a few topics
				out = append(out, t.Slug)
			}
		}
	}
	return out
}

// Digest is what one subscriber receives for one window.
type Digest struct {
	Subscriber *subscribers.Subscriber
	Window     Window
	Items      []Item // ranked and capped
	More       int    // matching stories left out by the cap
	Links      Links
	// Slot is the scheduled due time this digest answers (for a catch-up
	// digest, earlier than Window.End).
	Slot time.Time
}

// Total is the number of matching stories, shown or not.
func (d *Digest) Total() int { return len(d.Items) + d.More }

// Rendered is a digest rendered for email.
type Rendered struct {
	Subject   string
	Preheader string
	Text      []byte
	HTML      []byte
}

// Address is a mailbox.
type Address struct {
	Name  string
	Email string
}

// SlackDestination is where a team's messages go: a channel reached with the
// bot token, or an incoming webhook URL (a secret: never log it).
type SlackDestination struct {
	Channel    string
	WebhookURL string
}

// Message is one rendered digest on its way to a channel.
type Message struct {
	// ID is stable for (subscriber, window start): the Message-ID's local
	// part and the idempotency key in the delivery log.
	ID           string
	SubscriberID string
	Kind         subscribers.Kind
	Date         time.Time

	// Email.
	To      Address
	Email   *Rendered
	Links   Links
	Headers map[string]string // extra headers; values are checked for CR/LF

	// Slack: one or more chat.postMessage bodies (without "channel"), sent in order.
	Slack    *SlackDestination
	Payloads []json.RawMessage
}
