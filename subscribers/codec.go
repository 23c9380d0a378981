package subscribers

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// msTime truncates t to the millisecond the store keeps, in UTC.
func msTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

func msOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// msField is t as a hash value: "" (the field is left out) when zero.
func msField(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// intField is n as a hash value: "" (the field is left out) when zero.
func intField(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// maxStoriesField is n as a hash value: left out ("") at the default,
// which most subscribers keep, so their hash is a field shorter.
func maxStoriesField(n int) string {
	if n == DefaultMaxStories {
		return ""
	}
	return intField(n)
}

// maxStoriesOf reads the max_stories field: DefaultMaxStories when absent.
func maxStoriesOf(n int64) int {
	if n == 0 {
		return DefaultMaxStories
	}
	return int(n)
}

func lower(s string) string { return strings.ToLower(s) }

// isInstant reports whether a (valid) schedule is instant.
func isInstant(schedule string) bool {
	s, err := ParseSchedule(schedule)
	return err == nil && s.Instant()
}

// profileFields are the hash fields a caller may change. An empty value
// leaves the field out of the hash (writeScript deletes it), which keeps a
// subscriber small: most have no name, Slack channel or webhook.
func profileFields(s *Subscriber) []any {
	return []any{
		"kind", string(s.Kind), "email", s.Email, "name", s.Name,
		"slack_channel", s.SlackChannel, "webhook_url", s.WebhookURL,
		"time_zone", s.TimeZone, "schedule", s.Schedule,
		"max_stories", maxStoriesField(s.MaxStories), "status", string(s.Status),
		"topics", strings.Join(s.Topics, ","),
	}
}

// encodeFields is the whole hash of a new subscriber.
func encodeFields(s *Subscriber) []any {
	return append(profileFields(s),
		"created_at", msField(s.CreatedAt), "n", s.Nonce, "cursor", msField(s.Cursor),
		"next_due", msField(s.NextDue), "bounces", intField(s.Bounces), "last_error", s.LastError)
}

func decodeSubscriber(id string, h map[string]string) (*Subscriber, error) {
	var d decoder
	s := &Subscriber{
		ID: id, Kind: Kind(h["kind"]), Email: h["email"], Name: h["name"],
		SlackChannel: h["slack_channel"], WebhookURL: h["webhook_url"],
		TimeZone: h["time_zone"], Schedule: h["schedule"], Status: Status(h["status"]),
		MaxStories: maxStoriesOf(d.int(h, "max_stories")), Topics: topicsOf(h),
		CreatedAt: d.time(h, "created_at"), Nonce: h["n"], Cursor: d.time(h, "cursor"),
		NextDue: d.time(h, "next_due"), Bounces: int(d.int(h, "bounces")),
		LastError: h["last_error"], Attempts: int(d.int(h, "attempts")),
	}
	if d.err != nil {
		return nil, fmt.Errorf("subscriber %q: %w", s.ID, d.err)
	}
	return s, nil
}

// decoder parses integer hash fields, keeping the first error.
type decoder struct{ err error }

func (d *decoder) int(h map[string]string, field string) int64 {
	v, ok := h[field]
	if !ok || v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("corrupt field %s: %w", field, err)
	}
	return n
}

func (d *decoder) time(h map[string]string, field string) time.Time {
	return msTime(timeFromMS(d.int(h, field)))
}

func timeFromMS(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
