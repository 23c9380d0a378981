package web

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"herald/stories"
)

// maxTopicChoices bounds the checkboxes of one page; a search finds the rest.
const maxTopicChoices = 200

// maxDescription bounds a topic description shown next to its checkbox.
const maxDescription = 160

// topicOption is one topic checkbox.
type topicOption struct {
	ID, Slug, Name, Description string
	Checked                     bool
}

// topicChoices builds the checkboxes of a page: first the topics the
// subscriber follows (all of them, whatever the search, so saving never
// drops a follow the reader did not see), then the other registered topics
// that match query (the checked ones always), at most maxTopicChoices.
// hidden counts the matches left out.
type topicChoices struct {
	Followed, Others []topicOption
	Hidden           int
}

func buildTopicChoices(registry []stories.Topic, followed []string, checked map[string]bool, query string) topicChoices {
	byslug := make(map[string]stories.Topic, len(registry))
	for _, t := range registry {
		byslug[t.Slug] = t
	}
	var c topicChoices
	n := 0
	next := func(t stories.Topic) topicOption {
		n++
		return topicOption{ID: "topic-" + strconv.Itoa(n), Slug: t.Slug, Name: t.Name,
			Description: shorten(t.Description), Checked: checked[t.Slug]}
	}
	for _, slug := range followed {
		t, ok := byslug[slug]
		if !ok {
			t = stories.Topic{Slug: slug, Name: slug}
		}
		c.Followed = append(c.Followed, next(t))
	}
	q := strings.ToLower(strings.TrimSpace(query))
	for _, t := range registry {
		switch {
		case slices.Contains(followed, t.Slug):
		case !checked[t.Slug] && !matches(t, q):
		case len(c.Others) >= maxTopicChoices:
			c.Hidden++
		default:
			c.Others = append(c.Others, next(t))
		}
	}
	return c
}

func matches(t stories.Topic, q string) bool {
	if q == "" {
		return true
	}
	return strings.Contains(strings.ToLower(t.Name), q) ||
		strings.Contains(t.Slug, stories.Slug(q)) && stories.Slug(q) != "" ||
		strings.Contains(strings.ToLower(t.Description), q)
}

func shorten(s string) string {
	if utf8.RuneCountInString(s) <= maxDescription {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:maxDescription-1])) + "…"
}

// knownTopics is the set of slugs a reader may tick: the registry and
// whatever the subscriber already follows.
func knownTopics(registry []stories.Topic, followed []string) map[string]bool {
	known := make(map[string]bool, len(registry)+len(followed))
	for _, t := range registry {
		known[t.Slug] = true
	}
	for _, s := range followed {
		known[s] = true
	}
	return known
}

// commonZones are offered as suggestions; any IANA zone name is accepted.
var commonZones = []string{
	"UTC",
	"Africa/Cairo", "Africa/Johannesburg", "Africa/Lagos", "Africa/Nairobi",
	"America/Anchorage", "America/Argentina/Buenos_Aires", "America/Bogota", "America/Chicago",
	"America/Denver", "America/Halifax", "America/Los_Angeles", "America/Mexico_City",
	"America/New_York", "America/Phoenix", "America/Santiago", "America/Sao_Paulo",
	"America/St_Johns", "America/Toronto", "America/Vancouver",
	"Asia/Bangkok", "Asia/Dhaka", "Asia/Dubai", "Asia/Hong_Kong", "Asia/Jakarta",
	"Asia/Jerusalem", "Asia/Karachi", "Asia/Kathmandu", "Asia/Kolkata", "Asia/Manila",
	"Asia/Seoul", "Asia/Shanghai", "Asia/Singapore", "Asia/Taipei", "Asia/Tehran", "Asia/Tokyo",
	"Atlantic/Reykjavik", "Australia/Adelaide", "Australia/Brisbane", "Australia/Perth", "Australia/Sydney",
	"Europe/Amsterdam", "Europe/Athens", "Europe/Berlin", "Europe/Brussels", "Europe/Dublin",
	"Europe/Helsinki", "Europe/Istanbul", "Europe/Kyiv", "Europe/Lisbon", "Europe/London",
	"Europe/Madrid", "Europe/Moscow", "Europe/Paris", "Europe/Rome", "Europe/Stockholm",
	"Europe/Warsaw", "Europe/Zurich",
	"Pacific/Auckland", "Pacific/Chatham", "Pacific/Honolulu",
}
