// Package subscribers owns the Subscriber (an email reader or a Slack team
// channel), its topic follows, schedule and status, and the Redis store that
// keeps them together with the due set that says who is due next.
package subscribers

import "time"

// Kind says which channel a subscriber is reached on.
type Kind string

const (
	KindEmail Kind = "email"
	KindSlack Kind = "slack"
)

// Status is where a subscriber stands. Only active subscribers get digests.
type Status string

const (
	StatusPending      Status = "pending"      // waiting for double opt-in
	StatusActive       Status = "active"       // gets digests
	StatusPaused       Status = "paused"       // chose to pause; keeps follows
	StatusUnsubscribed Status = "unsubscribed" // never mailed again
	StatusBounced      Status = "bounced"      // suppressed after hard bounces
	StatusFailing      Status = "failing"      // Slack destination gone; see LastError
)

// DefaultMaxStories caps a digest when a subscriber sets no maximum.
const DefaultMaxStories = 10

// Subscriber is one reader (KindEmail) or one team channel (KindSlack).
type Subscriber struct {
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`

	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`

	SlackChannel string `json:"slack_channel,omitempty"`
	// WebhookURL is a secret: never logged, never printed back in full.
	WebhookURL string `json:"-"`

	TimeZone   string   `json:"time_zone"`
	Schedule   string   `json:"schedule"` // canonical form, see ParseSchedule
	MaxStories int      `json:"max_stories"`
	Status     Status   `json:"status"`
	Topics     []string `json:"topics"` // followed topic slugs, sorted

	CreatedAt time.Time `json:"created_at"`
	// Nonce is random, set by Store.Add and never changed: signed links
	// carry it, so a link for a removed subscriber does not work for a new
	// one given the same ID. Subscribers created before nonces have none.
	Nonce string `json:"-"`
	// Cursor is the end of the last delivered window (or sign-up time): the
	// next digest holds stories ingested after it.
	Cursor time.Time `json:"cursor"`
	// NextDue is the next scheduled send; zero for instant subscribers with
	// nothing pending. The due set mirrors it.
	NextDue time.Time `json:"next_due,omitzero"`

	Bounces   int    `json:"bounces,omitempty"`
	LastError string `json:"last_error,omitempty"`
	// Attempts counts temporary failures at the current window; it resets
	// when a message is accepted or the runner gives up on the window.
	Attempts int `json:"attempts,omitempty"`
}
