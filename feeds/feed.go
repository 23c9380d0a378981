package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"herald/stories"
)

// Limits on a feed's settings.
const (
	MinInterval     = time.Minute
	DefaultInterval = 15 * time.Minute
	MaxBackoff      = 24 * time.Hour
	MaxTopics       = 20
	MaxRules        = 50
)

// ErrNotFound is returned (wrapped) for a feed that is not stored.
var ErrNotFound = errors.New("feeds: not found")

// Feed is one registered source and the state of its polling.
type Feed struct {
	ID       string        `json:"id"`
	URL      string        `json:"url"`
	Topics   []string      `json:"topics"`          // every item gets these
	Rules    []Rule        `json:"rules,omitempty"` // and these, by category
	Interval time.Duration `json:"interval"`
	Added    time.Time     `json:"added"`
	Status   Status        `json:"status"`
}

// Rule gives an item whose categories include Category (compared as topic
// slugs: "South Korea" matches "south-korea") the topic Topic.
type Rule struct {
	Category string `json:"category"`
	Topic    string `json:"topic"`
}

// Status is how the feed's polling goes.
type Status struct {
	LastPoll     time.Time `json:"last_poll,omitzero"`
	LastOK       time.Time `json:"last_ok,omitzero"`
	LastError    string    `json:"last_error,omitempty"` // empty: the last poll went well
	ErrorSince   time.Time `json:"error_since,omitzero"` // first failure of the current run
	Failures     int       `json:"failures,omitempty"`   // failed polls in a row
	NextPoll     time.Time `json:"next_poll,omitzero"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Items        int       `json:"items,omitempty"`    // items in the last document
	Rejected     int       `json:"rejected,omitempty"` // of them, not valid stories
	ItemError    string    `json:"item_error,omitempty"`
}

// OK says whether the last poll went well (or none has happened yet).
func (s Status) OK() bool { return s.LastError == "" }

// Due says whether the feed should be polled at now.
func (f *Feed) Due(now time.Time) bool { return !f.Status.NextPoll.After(now) }

// IDFor is a feed's ID: hex digits of the SHA-256 of its URL, so adding a
// URL again names the same feed.
func IDFor(rawURL string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(rawURL)))
	return hex.EncodeToString(sum[:6])
}

// ParseRule reads "category=topic".
func ParseRule(s string) (Rule, error) {
	cat, topic, ok := strings.Cut(s, "=")
	r := Rule{Category: strings.TrimSpace(cat), Topic: strings.TrimSpace(topic)}
	if !ok || stories.Slug(r.Category) == "" || stories.Slug(r.Topic) == "" {
		return Rule{}, fmt.Errorf("category rule %q: want category=topic", s)
	}
	return r, nil
}

// Normalize trims the feed's settings, sets its ID from its URL and its
// interval to DefaultInterval when zero.
func (f *Feed) Normalize() {
	f.URL = strings.TrimSpace(f.URL)
	f.ID = IDFor(f.URL)
	topics := f.Topics[:0]
	for _, t := range f.Topics {
		if t = strings.TrimSpace(t); t != "" {
			topics = append(topics, t)
		}
	}
	f.Topics = topics
	if f.Interval == 0 {
		f.Interval = DefaultInterval
	}
}

// ValidationError names the setting of a feed that is wrong.
type ValidationError struct {
	Field   string // url, topics, rules, interval
	Message string
}

func (e *ValidationError) Error() string { return "feeds: " + e.Field + ": " + e.Message }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Validate checks the settings, naming the field that is wrong.
func (f *Feed) Validate() error {
	if err := checkURL(f.URL); err != nil {
		return err
	}
	if len(f.Topics) == 0 || len(f.Topics) > MaxTopics {
		return invalid("topics", "want 1 to %d topics", MaxTopics)
	}
	for _, t := range f.Topics {
		if err := (stories.Topic{Name: t}).Validate(); err != nil {
			return invalid("topics", "%q: %v", t, err)
		}
	}
	if len(f.Rules) > MaxRules {
		return invalid("rules", "more than %d", MaxRules)
	}
	for _, r := range f.Rules {
		if stories.Slug(r.Category) == "" || stories.Slug(r.Topic) == "" {
			return invalid("rules", "%q=%q: want a category and a topic", r.Category, r.Topic)
		}
	}
	if f.Interval < MinInterval {
		return invalid("interval", "%v: must be at least %v", f.Interval, MinInterval)
	}
	return nil
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return invalid("url", "required")
	case err != nil || len(raw) > stories.MaxURLBytes:
		return invalid("url", "%q: not a valid URL", raw)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return invalid("url", "%q: must be an absolute http or https URL", raw)
	case u.User != nil:
		return invalid("url", "%q: must not carry a user or password", u.Redacted())
	}
	return nil
}
