package subscribers

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"herald/internal/display"
	"herald/internal/slug"
)

// Limits on a subscriber's fields.
const (
	MaxNameLen    = 100 // runes
	MaxEmailLen   = 254 // bytes, RFC 5321
	MaxTopics     = 200
	MaxSlugLen    = 100
	MaxMaxStories = 100
)

// ValidationError says which field of a subscriber is wrong and why.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string {
	return "subscribers: " + e.Field + ": " + e.Message
}

func invalid(field, msg string) error {
	return &ValidationError{Field: field, Message: msg}
}

var (
	idPattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	slackChannel = regexp.MustCompile(`^[CGD][A-Z0-9]{6,}$`)
)

// Validate checks s and normalises it in place: trimmed text, the email's
// domain lowercased, the schedule in canonical form, topics as sorted
// unique slugs, and defaults filled in (kind from the destination given,
// time zone UTC, schedule DefaultSchedule, MaxStories DefaultMaxStories,
// status active). The first problem found is returned as a
// *ValidationError naming the field.
func (s *Subscriber) Validate() error {
	checks := []func() error{
		s.validateID, s.validateKind, s.validateDestination, s.validateName,
		s.validateTimeZone, s.validateSchedule, s.validateMaxStories,
		s.validateStatus, s.validateTopics,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Subscriber) validateID() error {
	if s.ID != "" && !idPattern.MatchString(s.ID) {
		return invalid("id", "want 1 to 64 letters, digits, '-' or '_'")
	}
	return nil
}

func (s *Subscriber) validateKind() error {
	if s.Kind == "" {
		switch {
		case s.Email != "":
			s.Kind = KindEmail
		case s.SlackChannel != "" || s.WebhookURL != "":
			s.Kind = KindSlack
		}
	}
	switch s.Kind {
	case KindEmail, KindSlack:
		return nil
	case "":
		return invalid("kind", "required (email or slack)")
	}
	return invalid("kind", fmt.Sprintf("unknown kind %q (want email or slack)", s.Kind))
}

func (s *Subscriber) validateDestination() error {
	if s.Kind == KindEmail {
		if s.SlackChannel != "" || s.WebhookURL != "" {
			return invalid("slack_channel", "only for slack subscribers")
		}
		email, err := NormalizeEmail(s.Email)
		s.Email = email
		return err
	}
	if s.Email != "" {
		return invalid("email", "only for email subscribers")
	}
	return s.validateSlack()
}

// NormalizeEmail checks that email is one bare address (no display name,
// no angle brackets, no CR or LF, at most 254 bytes) and returns it trimmed
// with its domain lowercased.
func NormalizeEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	switch {
	case email == "":
		return "", invalid("email", "required")
	case strings.ContainsAny(email, "\r\n"):
		return "", invalid("email", "contains CR or LF")
	case len(email) > MaxEmailLen:
		return "", invalid("email", fmt.Sprintf("longer than %d bytes", MaxEmailLen))
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return "", invalid("email", "not a valid address (want name@example.com)")
	}
	at := strings.LastIndexByte(email, '@')
	return email[:at] + "@" + strings.ToLower(email[at+1:]), nil
}

func (s *Subscriber) validateSlack() error {
	s.SlackChannel = strings.TrimSpace(s.SlackChannel)
	s.WebhookURL = strings.TrimSpace(s.WebhookURL)
	if s.SlackChannel == "" && s.WebhookURL == "" {
		return invalid("slack_channel", "required: a channel ID or a webhook_url")
	}
	if s.SlackChannel != "" && !slackChannel.MatchString(s.SlackChannel) {
		return invalid("slack_channel", "want a channel ID such as C0123ABCD")
	}
	if s.WebhookURL != "" {
		return checkWebhook(s.WebhookURL)
	}
	return nil
}

// checkWebhook accepts an https URL, or http to the loopback host (for
// local test servers). The URL is a secret: it never appears in the error.
func checkWebhook(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || len(raw) > 2048 ||
		strings.IndexFunc(raw, unicode.IsControl) >= 0 {
		return invalid("webhook_url", "not a valid URL")
	}
	host := u.Hostname()
	loopback := host == "127.0.0.1" || host == "localhost" || host == "::1"
	if u.Scheme != "https" && (u.Scheme != "http" || !loopback) {
		return invalid("webhook_url", "must be https")
	}
	return nil
}

func (s *Subscriber) validateName() error {
	s.Name = strings.TrimSpace(s.Name)
	switch {
	case !utf8.ValidString(s.Name):
		return invalid("name", "not valid UTF-8")
	case utf8.RuneCountInString(s.Name) > MaxNameLen:
		return invalid("name", fmt.Sprintf("longer than %d characters", MaxNameLen))
	case strings.ContainsAny(s.Name, "\r\n"):
		return invalid("name", "contains CR or LF")
	case strings.ContainsAny(s.Name, `<>"`):
		return invalid("name", `must not contain <, > or "`)
	}
	if r, found := display.FirstUnsafe(s.Name); found {
		return invalid("name", display.Describe(r)+" not allowed: a name is one line shown as given")
	}
	return nil
}

func (s *Subscriber) validateTimeZone() error {
	s.TimeZone = strings.TrimSpace(s.TimeZone)
	if s.TimeZone == "" {
		s.TimeZone = "UTC"
	}
	_, err := LoadLocation(s.TimeZone)
	return err
}

func (s *Subscriber) validateSchedule() error {
	if strings.TrimSpace(s.Schedule) == "" {
		s.Schedule = DefaultSchedule
	}
	sched, err := ParseSchedule(s.Schedule)
	if err != nil {
		return err
	}
	s.Schedule = sched.String()
	return nil
}

func (s *Subscriber) validateMaxStories() error {
	if s.MaxStories == 0 {
		s.MaxStories = DefaultMaxStories
	}
	if s.MaxStories < 1 || s.MaxStories > MaxMaxStories {
		return invalid("max_stories", "want 1 to "+strconv.Itoa(MaxMaxStories))
	}
	return nil
}

func (s *Subscriber) validateStatus() error {
	switch s.Status {
	case "":
		s.Status = StatusActive
	case StatusPending, StatusActive, StatusPaused, StatusUnsubscribed, StatusBounced, StatusFailing:
	default:
		return invalid("status", fmt.Sprintf("unknown status %q", s.Status))
	}
	return nil
}

func (s *Subscriber) validateTopics() error {
	topics, err := normalizeSlugs(s.Topics)
	if err != nil {
		return err
	}
	s.Topics = topics
	return nil
}

// normalizeSlugs turns topic names or slugs into sorted unique slugs.
func normalizeSlugs(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, t := range in {
		slug := normalizeSlug(t)
		switch {
		case slug == "":
			return nil, invalid("topics", fmt.Sprintf("topic %q has no letters or digits", t))
		case len(slug) > MaxSlugLen:
			return nil, invalid("topics", fmt.Sprintf("topic slug longer than %d bytes", MaxSlugLen))
		}
		out = append(out, slug)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > MaxTopics {
		return nil, invalid("topics", fmt.Sprintf("more than %d topics", MaxTopics))
	}
	return out, nil
}

// normalizeSlug makes a topic slug exactly as stories.Slug does.
func normalizeSlug(s string) string { return slug.Make(s) }
