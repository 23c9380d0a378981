package subscribers

import (
	"fmt"
	"slices"
	"strconv"
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

// profileFields are the hash fields a caller may change.
func profileFields(s *Subscriber) []any {
	return []any{
		"kind", string(s.Kind), "email", s.Email, "name", s.Name,
		"slack_channel", s.SlackChannel, "webhook_url", s.WebhookURL,
		"time_zone", s.TimeZone, "schedule", s.Schedule,
		"max_stories", s.MaxStories, "status", string(s.Status),
	}
}

// encodeFields is the whole hash of a new subscriber.
func encodeFields(s *Subscriber) []any {
	return append(profileFields(s),
		"id", s.ID, "created_at", msOf(s.CreatedAt), "cursor", msOf(s.Cursor),
		"next_due", msOf(s.NextDue), "bounces", s.Bounces, "last_error", s.LastError)
}

func decodeSubscriber(h map[string]string, topics []string) (*Subscriber, error) {
	var d decoder
	slices.Sort(topics)
	s := &Subscriber{
		ID: h["id"], Kind: Kind(h["kind"]), Email: h["email"], Name: h["name"],
		SlackChannel: h["slack_channel"], WebhookURL: h["webhook_url"],
		TimeZone: h["time_zone"], Schedule: h["schedule"], Status: Status(h["status"]),
		MaxStories: int(d.int(h, "max_stories")), Topics: topics,
		CreatedAt: d.time(h, "created_at"), Cursor: d.time(h, "cursor"),
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
