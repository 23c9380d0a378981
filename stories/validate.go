package stories

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"herald/internal/display"
)

// Limits on a story. Counts are per list; lengths are in runes unless the
// name says bytes.
const (
	MaxIDLen          = 128
	MaxURLBytes       = 2048
	MaxHeadlineLen    = 300
	MaxSummaryLen     = 10000
	MaxBodyLen        = 10000 // analysis body, source summary, background, answer
	MaxLineLen        = 300   // analysis heading, outlet, question
	MaxTopicNameLen   = 200
	MaxSlugBytes      = 128
	MaxDescriptionLen = 2000
	MaxItems          = 50 // analysis, sources, questions, topics: each
	MaxPriority       = 9  // the highest story priority; 0 is the default
	MaxStoryBytes     = 256 << 10
)

// ValidationError says which field of a story is wrong and why. Field is a
// path such as "headline", "sources[2].url" or "topics[0].name"; it is empty
// when the error is about the story as a whole.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return "stories: " + e.Message
	}
	return "stories: " + e.Field + ": " + e.Message
}

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Validate checks the story against the rules in the package comment and
// returns the first problem as a *ValidationError. It does not change the
// story; call Normalize first to trim text and derive topic slugs.
func (s *Story) Validate() error {
	checks := []func() error{
		s.validateID,
		func() error { return checkURL("url", s.URL, true) },
		func() error { return checkLine("headline", s.Headline, MaxHeadlineLen, true) },
		func() error { return checkBody("summary", s.Summary, MaxSummaryLen, true) },
		s.validatePublished,
		s.validatePriority,
		s.validateAnalysis,
		s.validateSources,
		func() error { return checkBody("background", s.Background, MaxBodyLen, false) },
		func() error { return checkURL("image", s.Image, false) },
		s.validateQuestions,
		s.validateTopics,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Story) validatePriority() error {
	if s.Priority < 0 || s.Priority > MaxPriority {
		return invalid("priority", "%d out of range: use 0 (normal) to %d (most important)", s.Priority, MaxPriority)
	}
	return nil
}

func (s *Story) validateID() error {
	switch {
	case s.ID == "":
		return invalid("id", "required")
	case len(s.ID) > MaxIDLen:
		return invalid("id", "longer than %d characters", MaxIDLen)
	}
	for _, r := range s.ID {
		if !isIDRune(r) {
			return invalid("id", "%q not allowed: use letters, digits and . _ : -", r)
		}
	}
	return nil
}

func isIDRune(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' ||
		r >= '0' && r <= '9' || strings.ContainsRune("._:-", r))
}

func (s *Story) validatePublished() error {
	if s.PublishedAt.IsZero() {
		return invalid("published_at", "required")
	}
	if y := s.PublishedAt.Year(); y < 1970 || y > 9999 {
		return invalid("published_at", "year %d is out of range 1970..9999", y)
	}
	return nil
}

func (s *Story) validateAnalysis() error {
	if err := checkCount("analysis", len(s.Analysis)); err != nil {
		return err
	}
	for i, a := range s.Analysis {
		p := fmt.Sprintf("analysis[%d].", i)
		if err := checkLine(p+"heading", a.Heading, MaxLineLen, true); err != nil {
			return err
		}
		if err := checkBody(p+"body", a.Body, MaxBodyLen, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *Story) validateSources() error {
	if err := checkCount("sources", len(s.Sources)); err != nil {
		return err
	}
	for i, src := range s.Sources {
		p := fmt.Sprintf("sources[%d].", i)
		if err := checkLine(p+"outlet", src.Outlet, MaxLineLen, true); err != nil {
			return err
		}
		if err := checkURL(p+"url", src.URL, false); err != nil {
			return err
		}
		if err := checkBody(p+"summary", src.Summary, MaxBodyLen, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *Story) validateQuestions() error {
	if err := checkCount("questions", len(s.Questions)); err != nil {
		return err
	}
	for i, q := range s.Questions {
		p := fmt.Sprintf("questions[%d].", i)
		if err := checkLine(p+"question", q.Question, MaxLineLen, true); err != nil {
			return err
		}
		if err := checkBody(p+"answer", q.Answer, MaxBodyLen, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *Story) validateTopics() error {
	if len(s.Topics) == 0 {
		return invalid("topics", "at least one topic required")
	}
	if err := checkCount("topics", len(s.Topics)); err != nil {
		return err
	}
	seen := make(map[string]int, len(s.Topics))
	for i, t := range s.Topics {
		p := fmt.Sprintf("topics[%d].", i)
		if err := t.validate(p); err != nil {
			return err
		}
		slug := t.effectiveSlug()
		if j, dup := seen[slug]; dup {
			return invalid(p+"slug", "%q repeats topics[%d]", slug, j)
		}
		seen[slug] = i
	}
	return nil
}

// Validate checks a topic on its own (as the registry stores it): a name is
// required, and the slug, when set, must be in the form Slug gives.
func (t Topic) Validate() error { return t.validate("") }

func (t Topic) validate(p string) error {
	if err := checkLine(p+"name", t.Name, MaxTopicNameLen, true); err != nil {
		return err
	}
	if err := checkLine(p+"slug", t.Slug, MaxSlugBytes, false); err != nil {
		return err
	}
	if err := checkBody(p+"description", t.Description, MaxDescriptionLen, false); err != nil {
		return err
	}
	return checkSlug(p+"slug", t.Slug, t.effectiveSlug())
}

func checkSlug(field, given, slug string) error {
	switch {
	case given != "" && given != slug:
		return invalid(field, "%q is not a slug (want %q)", given, slug)
	case slug == "":
		return invalid(field, "empty: the name has no letters or digits")
	case len(slug) > MaxSlugBytes:
		return invalid(field, "longer than %d bytes", MaxSlugBytes)
	}
	return nil
}

// effectiveSlug is the slug the topic has after Normalize.
func (t Topic) effectiveSlug() string {
	if t.Slug != "" {
		return Slug(t.Slug)
	}
	return Slug(t.Name)
}

func checkCount(field string, n int) error {
	if n > MaxItems {
		return invalid(field, "%d entries, more than %d", n, MaxItems)
	}
	return nil
}

// checkLine checks a single-line field: nothing display.Unsafe refuses
// (control characters, line separators, bidi controls).
func checkLine(field, v string, maxRunes int, required bool) error {
	return checkText(field, v, maxRunes, required, display.Unsafe)
}

// checkBody checks a multi-line field: newlines and tabs allowed.
func checkBody(field, v string, maxRunes int, required bool) error {
	return checkText(field, v, maxRunes, required, func(r rune) bool {
		return r != '\n' && r != '\r' && r != '\t' && isLineBreakOrControl(r)
	})
}

func isLineBreakOrControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

func checkText(field, v string, maxRunes int, required bool, bad func(rune) bool) error {
	switch {
	case v == "" && required:
		return invalid(field, "required")
	case !utf8.ValidString(v):
		return invalid(field, "invalid UTF-8")
	case strings.IndexByte(v, 0) >= 0:
		return invalid(field, "contains NUL")
	case utf8.RuneCountInString(v) > maxRunes:
		return invalid(field, "longer than %d characters", maxRunes)
	}
	if i := strings.IndexFunc(v, bad); i >= 0 {
		r, _ := utf8.DecodeRuneInString(v[i:])
		return invalid(field, "%s not allowed", display.Describe(r))
	}
	return nil
}

// checkURL accepts an absolute http or https URL with a host.
func checkURL(field, v string, required bool) error {
	if v == "" && !required {
		return nil
	}
	if err := checkLine(field, v, MaxURLBytes, required); err != nil {
		return err
	}
	if len(v) > MaxURLBytes || strings.ContainsAny(v, " \t") {
		return invalid(field, "not a valid URL")
	}
	u, err := url.Parse(v)
	if err != nil {
		return invalid(field, "not a valid URL")
	}
	if !slices.Contains([]string{"http", "https"}, u.Scheme) || u.Host == "" {
		return invalid(field, "must be an absolute http or https URL")
	}
	return nil
}
