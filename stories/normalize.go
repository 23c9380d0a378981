package stories

import (
	"cmp"
	"slices"
	"strings"

	"herald/internal/slug"
)

// Slug turns a topic name into its stable key: lowercase, Unicode letters
// and digits kept (with the combining marks that follow them), every other
// run of characters collapsed to one hyphen, no hyphen at either end.
// "South Korea" -> "south-korea", "U.S. & Canada" -> "u-s-canada".
// Slug(Slug(x)) == Slug(x).
func Slug(name string) string { return slug.Make(name) }

// Normalize tidies a story in place before validation: it trims surrounding
// white space from every text field, turns CRLF and lone CR into LF in body
// fields, derives each topic's slug from its name (or canonicalises a given
// slug), and sorts the topics by slug, merging repeats (the first name wins;
// an empty description is filled from a later repeat). Empty lists become
// nil, so a story reads the same after a JSON round trip.
func (s *Story) Normalize() {
	s.ID = strings.TrimSpace(s.ID)
	s.URL = strings.TrimSpace(s.URL)
	s.Headline = strings.TrimSpace(s.Headline)
	s.Summary = trimBody(s.Summary)
	s.Background = trimBody(s.Background)
	for i := range s.Analysis {
		a := &s.Analysis[i]
		a.Heading, a.Body = strings.TrimSpace(a.Heading), trimBody(a.Body)
	}
	for i := range s.Sources {
		src := &s.Sources[i]
		src.Outlet, src.URL = strings.TrimSpace(src.Outlet), strings.TrimSpace(src.URL)
		src.Summary = trimBody(src.Summary)
	}
	for i := range s.Questions {
		q := &s.Questions[i]
		q.Question, q.Answer = strings.TrimSpace(q.Question), trimBody(q.Answer)
	}
	s.Topics = normalizeTopics(s.Topics)
	s.Analysis, s.Sources = nilIfEmpty(s.Analysis), nilIfEmpty(s.Sources)
	s.Questions, s.Topics = nilIfEmpty(s.Questions), nilIfEmpty(s.Topics)
}

// nilIfEmpty makes "[]" and a missing list the same story.
func nilIfEmpty[T any](v []T) []T {
	if len(v) == 0 {
		return nil
	}
	return v
}

// Normalize trims the topic's name and description and sets its slug.
func (t *Topic) Normalize() {
	t.Name = strings.TrimSpace(t.Name)
	t.Description = trimBody(t.Description)
	t.Slug = t.effectiveSlug()
}

func normalizeTopics(topics []Topic) []Topic {
	for i := range topics {
		topics[i].Normalize()
	}
	slices.SortStableFunc(topics, func(a, b Topic) int { return cmp.Compare(a.Slug, b.Slug) })
	out := topics[:0]
	for _, t := range topics {
		last := len(out) - 1
		if last < 0 || t.Slug == "" || out[last].Slug != t.Slug {
			out = append(out, t)
			continue
		}
		if out[last].Description == "" {
			out[last].Description = t.Description
		}
	}
	return out
}

func trimBody(v string) string {
	v = strings.ReplaceAll(v, "\r\n", "\n")
	v = strings.ReplaceAll(v, "\r", "\n")
	return strings.TrimSpace(v)
}
