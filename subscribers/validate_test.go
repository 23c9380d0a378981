package subscribers_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"herald/internal/redistest"
	"herald/subscribers"
)

func validEmailSub() subscribers.Subscriber {
	return subscribers.Subscriber{Kind: subscribers.KindEmail, Email: "reader@example.com", TimeZone: "Europe/London"}
}

func TestValidateRejects(t *testing.T) {
	manyTopics := make([]string, 201)
	for i := range manyTopics {
		manyTopics[i] = fmt.Sprintf("topic %d", i)
	}
	tests := []struct {
		name   string
		change func(*subscribers.Subscriber)
		field  string
	}{
		{"no email", func(s *subscribers.Subscriber) { s.Email = "" }, "email"},
		{"bad email", func(s *subscribers.Subscriber) { s.Email = "not-an-address" }, "email"},
		{"display name", func(s *subscribers.Subscriber) { s.Email = "Reader <reader@example.com>" }, "email"},
		{"angle brackets", func(s *subscribers.Subscriber) { s.Email = "<reader@example.com>" }, "email"},
		{"two addresses", func(s *subscribers.Subscriber) { s.Email = "a@example.com, b@example.com" }, "email"},
		{"CRLF in email", func(s *subscribers.Subscriber) { s.Email = "reader@example.com\r\nBcc: x@evil.com" }, "email"},
		{"long email", func(s *subscribers.Subscriber) { s.Email = strings.Repeat("a", 250) + "@example.com" }, "email"},
		{"CRLF in name", func(s *subscribers.Subscriber) { s.Name = "Ann\r\nBcc: x@evil.com" }, "name"},
		{"LF in name", func(s *subscribers.Subscriber) { s.Name = "Ann\nLee" }, "name"},
		{"tag in name", func(s *subscribers.Subscriber) { s.Name = "<b>Ann</b>" }, "name"},
		{"quote in name", func(s *subscribers.Subscriber) { s.Name = `Ann "the reader"` }, "name"},
		{"control in name", func(s *subscribers.Subscriber) { s.Name = "Ann\x07" }, "name"},
		{"long name", func(s *subscribers.Subscriber) { s.Name = strings.Repeat("é", 101) }, "name"},
		{"bad tz", func(s *subscribers.Subscriber) { s.TimeZone = "Mars/Olympus" }, "time_zone"},
		{"Local tz", func(s *subscribers.Subscriber) { s.TimeZone = "Local" }, "time_zone"},
		{"bad schedule", func(s *subscribers.Subscriber) { s.Schedule = "daily 25:00" }, "schedule"},
		{"cron tz", func(s *subscribers.Subscriber) { s.Schedule = "CRON_TZ=UTC 0 7 * * *" }, "schedule"},
		{"max too big", func(s *subscribers.Subscriber) { s.MaxStories = 101 }, "max_stories"},
		{"max negative", func(s *subscribers.Subscriber) { s.MaxStories = -1 }, "max_stories"},
		{"bad status", func(s *subscribers.Subscriber) { s.Status = "deleted" }, "status"},
		{"bad kind", func(s *subscribers.Subscriber) { s.Kind = "sms" }, "kind"},
		{"bad id", func(s *subscribers.Subscriber) { s.ID = "a}b{" }, "id"},
		{"empty topic", func(s *subscribers.Subscriber) { s.Topics = []string{"japan", "--"} }, "topics"},
		{"too many topics", func(s *subscribers.Subscriber) { s.Topics = manyTopics }, "topics"},
		{"slack field on email", func(s *subscribers.Subscriber) { s.SlackChannel = "C0123ABCD" }, "slack_channel"},
		{"slack without destination", func(s *subscribers.Subscriber) { s.Kind, s.Email = subscribers.KindSlack, "" }, "slack_channel"},
		{"slack channel lowercase", slack("c0123abcd", ""), "slack_channel"},
		{"slack channel short", slack("C01", ""), "slack_channel"},
		{"slack channel name", slack("#general", ""), "slack_channel"},
		{"webhook http", slack("", "http://hooks.slack.com/services/T/B/X"), "webhook_url"},
		{"webhook ftp", slack("", "ftp://hooks.slack.com/x"), "webhook_url"},
		{"webhook no host", slack("", "https:///x"), "webhook_url"},
		{"webhook userinfo", slack("", "https://u:p@hooks.slack.com/x"), "webhook_url"},
		{"webhook http remote", slack("", "http://192.0.2.1/hook"), "webhook_url"},
		{"email on slack", func(s *subscribers.Subscriber) {
			s.Kind, s.SlackChannel = subscribers.KindSlack, "C0123ABCD"
		}, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validEmailSub()
			tt.change(&s)
			err := s.Validate()
			var verr *subscribers.ValidationError
			if !errors.As(err, &verr) || verr.Field != tt.field {
				t.Fatalf("Validate() = %v, want a ValidationError on %s", err, tt.field)
			}
			if !strings.HasPrefix(err.Error(), "subscribers: "+tt.field+": ") {
				t.Errorf("error %q does not name the field", err)
			}
		})
	}
}

// TestNameDisplaySpoofing: a reader's or team's name may not hold what
// reorders or breaks the text shown around it; right-to-left names and
// the bidi marks they need pass.
func TestNameDisplaySpoofing(t *testing.T) {
	tests := []struct {
		name, value, want string // want: in the message; "" for valid
	}{
		{"right-to-left override", "Ann\u202Emoc.elpmaxe", "U+202E (right-to-left override)"},
		{"left-to-right override", "\u202DAnn", "U+202D"},
		{"embedding", "Ann \u202Bx\u202C", "U+202B"},
		{"isolate", "Ann \u2067x\u2069", "U+2067"},
		{"line separator", "Ann\u2028Lee", "line separator U+2028"},
		{"paragraph separator", "Ann\u2029Lee", "paragraph separator U+2029"},
		{"C1 control", "Ann\u009bLee", "control character U+009B"},
		{"right-to-left name", "نور الهدى", ""},
		{"with bidi marks", "Ann \u200fنور\u200e", ""},
	}
	for _, tt := range tests {
		for _, kind := range []string{"reader", "team"} {
			t.Run(tt.name+"/"+kind, func(t *testing.T) {
				s := validEmailSub()
				if kind == "team" {
					slack("C0123ABCD", "")(&s)
				}
				s.Name = tt.value
				err := s.Validate()
				var verr *subscribers.ValidationError
				switch {
				case tt.want == "" && err != nil:
					t.Fatalf("Validate() = %v, want valid", err)
				case tt.want != "" && (!errors.As(err, &verr) || verr.Field != "name" || !strings.Contains(verr.Message, tt.want)):
					t.Fatalf("Validate() = %v, want a name error saying %q", err, tt.want)
				}
			})
		}
	}
}

// slack turns the subscriber into a Slack one with the given destination.
func slack(channel, webhook string) func(*subscribers.Subscriber) {
	return func(s *subscribers.Subscriber) {
		s.Kind, s.Email, s.SlackChannel, s.WebhookURL = subscribers.KindSlack, "", channel, webhook
	}
}

func TestValidateNormalises(t *testing.T) {
	s := subscribers.Subscriber{
		Email:  "  Reader.One@Example.COM ",
		Name:   "  Ann Lee ",
		Topics: []string{"South Korea", "japan", "south-korea", "  Japan!  ", "São Paulo"},
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	want := subscribers.Subscriber{
		Kind: subscribers.KindEmail, Email: "Reader.One@example.com", Name: "Ann Lee",
		TimeZone: "UTC", Schedule: subscribers.DefaultSchedule, MaxStories: subscribers.DefaultMaxStories,
		Status: subscribers.StatusActive, Topics: []string{"japan", "south-korea", "são-paulo"},
	}
	if fmt.Sprint(s) != fmt.Sprint(want) {
		t.Errorf("normalised to\n%+v\nwant\n%+v", s, want)
	}
	s.Schedule = "weekly on Monday at 7:00"
	if err := s.Validate(); err != nil || s.Schedule != "weekly mon 07:00" {
		t.Errorf("schedule %q, %v; want canonical weekly mon 07:00", s.Schedule, err)
	}
}

func TestValidateSlackAccepts(t *testing.T) {
	for _, tt := range []struct{ channel, webhook string }{
		{"C0123ABCD", ""},
		{"G0123ABCD", ""},
		{"", "https://hooks.slack.com/services/T000/B000/XXXX"},
		{"", "https://example.net/any/https/host"},
		{"", "http://127.0.0.1:4567/hook"},
		{"", "http://localhost/hook"},
		{"D0123ABCD", "https://hooks.slack.com/services/T000/B000/XXXX"},
	} {
		s := subscribers.Subscriber{SlackChannel: tt.channel, WebhookURL: tt.webhook}
		if err := s.Validate(); err != nil || s.Kind != subscribers.KindSlack {
			t.Errorf("slack %q %q: kind %q, %v", tt.channel, tt.webhook, s.Kind, err)
		}
	}
}

func TestWebhookNeverInError(t *testing.T) {
	s := subscribers.Subscriber{WebhookURL: "http://hooks.slack.com/services/T/B/SECRET"}
	err := s.Validate()
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error %v, want one that hides the URL", err)
	}
}

func TestFailedAddWritesNothing(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := subscribers.NewStore(rdb, prefix, nil)
	ctx := context.Background()
	for _, sub := range []subscribers.Subscriber{
		{Email: "bad"},
		{Email: "ok@example.com", Name: "<script>"},
		{Email: "ok@example.com", TimeZone: "Nowhere/City"},
		{Email: "ok@example.com", Schedule: "@every 1m"},
		{Email: "ok@example.com", MaxStories: 1000},
	} {
		err := st.Add(ctx, &sub)
		var verr *subscribers.ValidationError
		if !errors.As(err, &verr) {
			t.Errorf("Add(%+v) = %v, want a ValidationError", sub, err)
		}
	}
	if keys := redistest.Keys(t, rdb, prefix+"*"); len(keys) != 0 {
		t.Errorf("keys after failed adds: %v", keys)
	}
	if n, _ := st.Count(ctx); n != 0 {
		t.Errorf("Count = %d", n)
	}
}

func TestTopicSlugs(t *testing.T) {
	tests := map[string]string{
		"South Korea":        "south-korea",
		"  --Japan!!--  ":    "japan",
		"U.S.–China":         "u-s-china",
		"Cafe\u0301 culture": "cafe\u0301-culture", // a combining mark stays with its letter
		"東京 2026":            "東京-2026",
	}
	for in, want := range tests {
		s := subscribers.Subscriber{Email: "a@example.com", Topics: []string{in}}
		if err := s.Validate(); err != nil || len(s.Topics) != 1 || s.Topics[0] != want {
			t.Errorf("topic %q -> %v, %v; want %q", in, s.Topics, err, want)
		}
	}
}
