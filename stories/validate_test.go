package stories_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"herald/stories"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(s *stories.Story)
		field  string // "" means valid
		msg    string // substring of the message
	}{
		{"valid", func(s *stories.Story) {}, "", ""},
		{"html in text is accepted", func(s *stories.Story) {
			s.Headline = "<script>alert(1)</script> & <b>bold</b>"
			s.Summary = "<img src=x onerror=alert(1)>"
		}, "", ""},
		{"unicode is accepted", func(s *stories.Story) {
			s.Headline = "東京 🚀 עברית"
			s.Sources[0].Summary = "韓国は日本と同じ条件を受け入れられない。"
		}, "", ""},
		{"body may hold newlines and tabs", func(s *stories.Story) { s.Summary = "a\n\tb\r\nc" }, "", ""},
		{"headline may hold bidi marks", func(s *stories.Story) { s.Headline = "Gaza \u200fغزة\u200e talks" }, "", ""},
		{"body may hold bidi controls", func(s *stories.Story) { s.Summary = "quote: \u2067غزة\u2069 and \u202Bx\u202C" }, "", ""},
		{"id required", func(s *stories.Story) { s.ID = "" }, "id", "required"},
		{"id too long", func(s *stories.Story) { s.ID = strings.Repeat("a", 129) }, "id", "longer than 128"},
		{"id max length", func(s *stories.Story) { s.ID = strings.Repeat("a", 128) }, "", ""},
		{"id allowed punctuation", func(s *stories.Story) { s.ID = "a.b_c:d-E9" }, "", ""},
		{"id space", func(s *stories.Story) { s.ID = "a b" }, "id", "not allowed"},
		{"id slash", func(s *stories.Story) { s.ID = "a/b" }, "id", "not allowed"},
		{"id brace", func(s *stories.Story) { s.ID = "{a}" }, "id", "not allowed"},
		{"id non-ascii", func(s *stories.Story) { s.ID = "é" }, "id", "not allowed"},
		{"url required", func(s *stories.Story) { s.URL = "" }, "url", "required"},
		{"url relative", func(s *stories.Story) { s.URL = "/x/y" }, "url", "absolute http"},
		{"url javascript", func(s *stories.Story) { s.URL = "javascript:alert(1)" }, "url", "absolute http"},
		{"url ftp", func(s *stories.Story) { s.URL = "ftp://example.com/x" }, "url", "absolute http"},
		{"url no host", func(s *stories.Story) { s.URL = "https:///x" }, "url", "absolute http"},
		{"url with newline", func(s *stories.Story) { s.URL = "https://example.com/\nx" }, "url", "control character"},
		{"url with space", func(s *stories.Story) { s.URL = "https://example.com/a b" }, "url", "not a valid URL"},
		{"url http ok", func(s *stories.Story) { s.URL = "http://example.com" }, "", ""},
		{"headline required", func(s *stories.Story) { s.Headline = "" }, "headline", "required"},
		{"headline 300 runes ok", func(s *stories.Story) { s.Headline = strings.Repeat("日", 300) }, "", ""},
		{"headline too long", func(s *stories.Story) { s.Headline = strings.Repeat("日", 301) }, "headline", "longer than 300"},
		{"headline CR", func(s *stories.Story) { s.Headline = "a\rBcc: x" }, "headline", "control character U+000D"},
		{"headline LF", func(s *stories.Story) { s.Headline = "a\nb" }, "headline", "control character U+000A"},
		{"headline tab", func(s *stories.Story) { s.Headline = "a\tb" }, "headline", "control character"},
		{"headline escape", func(s *stories.Story) { s.Headline = "a\x1b[31mb" }, "headline", "control character"},
		{"headline C1", func(s *stories.Story) { s.Headline = "a\u0085b" }, "headline", "control character"},
		{"headline line separator", func(s *stories.Story) { s.Headline = "a\u2028b" }, "headline", "line separator U+2028"},
		{"headline paragraph separator", func(s *stories.Story) { s.Headline = "a\u2029b" }, "headline", "paragraph separator U+2029"},
		{"headline right-to-left override", func(s *stories.Story) { s.Headline = "Markets \u202Eslaf" }, "headline", "bidi control U+202E (right-to-left override)"},
		{"headline isolate", func(s *stories.Story) { s.Headline = "a\u2066b\u2069" }, "headline", "bidi control U+2066"},
		{"headline embedding", func(s *stories.Story) { s.Headline = "a\u202Ab\u202C" }, "headline", "bidi control U+202A"},
		{"outlet right-to-left override", func(s *stories.Story) { s.Sources[0].Outlet = "The \u202ESemit" }, "sources[0].outlet", "U+202E"},
		{"analysis heading isolate", func(s *stories.Story) { s.Analysis[0].Heading = "a\u2068b" }, "analysis[0].heading", "U+2068"},
		{"question override", func(s *stories.Story) { s.Questions[0].Question = "Why\u202D?" }, "questions[0].question", "U+202D"},
		{"topic name override", func(s *stories.Story) { s.Topics[0].Name = "Japan\u202E" }, "topics[0].name", "U+202E"},
		{"headline NUL", func(s *stories.Story) { s.Headline = "a\x00b" }, "headline", "NUL"},
		{"headline invalid utf8", func(s *stories.Story) { s.Headline = "a\xffb" }, "headline", "invalid UTF-8"},
		{"image optional", func(s *stories.Story) { s.Image = "" }, "", ""},
		{"image https", func(s *stories.Story) { s.Image = "https://news.example.com/a.jpg" }, "", ""},
		{"image javascript", func(s *stories.Story) { s.Image = "javascript:alert(1)" }, "image", "absolute http"},
		{"priority default", func(s *stories.Story) { s.Priority = 0 }, "", ""},
		{"priority max", func(s *stories.Story) { s.Priority = stories.MaxPriority }, "", ""},
		{"priority negative", func(s *stories.Story) { s.Priority = -1 }, "priority", "out of range"},
		{"priority too high", func(s *stories.Story) { s.Priority = 10 }, "priority", "out of range"},
		{"summary required", func(s *stories.Story) { s.Summary = "" }, "summary", "required"},
		{"summary max", func(s *stories.Story) { s.Summary = strings.Repeat("é", 10000) }, "", ""},
		{"summary too long", func(s *stories.Story) { s.Summary = strings.Repeat("é", 10001) }, "summary", "longer than 10000"},
		{"summary NUL", func(s *stories.Story) { s.Summary = "a\x00" }, "summary", "NUL"},
		{"summary invalid utf8", func(s *stories.Story) { s.Summary = "\xc3" }, "summary", "invalid UTF-8"},
		{"summary escape", func(s *stories.Story) { s.Summary = "a\x07" }, "summary", "control character"},
		{"published_at required", func(s *stories.Story) { s.PublishedAt = time.Time{} }, "published_at", "required"},
		{"published_at year 0", func(s *stories.Story) { s.PublishedAt = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC) }, "published_at", "out of range"},
		{"published_at year 10000", func(s *stories.Story) { s.PublishedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "published_at", "out of range"},
		{"analysis heading required", func(s *stories.Story) { s.Analysis[0].Heading = "" }, "analysis[0].heading", "required"},
		{"analysis heading newline", func(s *stories.Story) { s.Analysis[0].Heading = "a\nb" }, "analysis[0].heading", "control character"},
		{"analysis body required", func(s *stories.Story) { s.Analysis[0].Body = "" }, "analysis[0].body", "required"},
		{"analysis body NUL", func(s *stories.Story) { s.Analysis[0].Body = "\x00" }, "analysis[0].body", "NUL"},
		{"analysis too many", func(s *stories.Story) { s.Analysis = repeat(s.Analysis[0], 51) }, "analysis", "more than 50"},
		{"analysis 50 ok", func(s *stories.Story) { s.Analysis = repeat(s.Analysis[0], 50) }, "", ""},
		{"source outlet required", func(s *stories.Story) { s.Sources[0].Outlet = "" }, "sources[0].outlet", "required"},
		{"source outlet CRLF", func(s *stories.Story) { s.Sources[0].Outlet = "a\r\nb" }, "sources[0].outlet", "control character"},
		{"source url optional", func(s *stories.Story) { s.Sources[0].URL = "" }, "", ""},
		{"third source url bad", func(s *stories.Story) {
			s.Sources = repeat(s.Sources[0], 3)
			s.Sources[2].URL = "data:text/html,x"
		}, "sources[2].url", "absolute http"},
		{"source summary required", func(s *stories.Story) { s.Sources[0].Summary = "" }, "sources[0].summary", "required"},
		{"source summary invalid utf8", func(s *stories.Story) { s.Sources[0].Summary = "\xfe" }, "sources[0].summary", "invalid UTF-8"},
		{"sources too many", func(s *stories.Story) { s.Sources = repeat(s.Sources[0], 51) }, "sources", "more than 50"},
		{"background optional", func(s *stories.Story) { s.Background = "" }, "", ""},
		{"background NUL", func(s *stories.Story) { s.Background = "\x00" }, "background", "NUL"},
		{"background too long", func(s *stories.Story) { s.Background = strings.Repeat("x", 10001) }, "background", "longer than"},
		{"question required", func(s *stories.Story) { s.Questions[0].Question = "" }, "questions[0].question", "required"},
		{"question newline", func(s *stories.Story) { s.Questions[0].Question = "a\nb" }, "questions[0].question", "control character"},
		{"answer required", func(s *stories.Story) { s.Questions[0].Answer = "" }, "questions[0].answer", "required"},
		{"questions too many", func(s *stories.Story) { s.Questions = repeat(s.Questions[0], 51) }, "questions", "more than 50"},
		{"topics required", func(s *stories.Story) { s.Topics = nil }, "topics", "at least one"},
		{"topic name required", func(s *stories.Story) { s.Topics[0].Name = "" }, "topics[0].name", "required"},
		{"topic name newline", func(s *stories.Story) { s.Topics[0].Name = "a\nb" }, "topics[0].name", "control character"},
		{"topic slug derived", func(s *stories.Story) { s.Topics[0].Slug = "" }, "", ""},
		{"topic slug empty", func(s *stories.Story) { s.Topics = []stories.Topic{{Name: "&&&"}} }, "topics[0].slug", "empty"},
		{"topic slug not canonical", func(s *stories.Story) { s.Topics[0].Slug = "Japan" }, "topics[0].slug", "not a slug"},
		{"topic slug newline", func(s *stories.Story) { s.Topics[0].Slug = "a\nb" }, "topics[0].slug", "control character"},
		{"topic duplicate slug", func(s *stories.Story) {
			s.Topics = []stories.Topic{{Name: "Japan"}, {Name: "JAPAN"}}
		}, "topics[1].slug", "repeats topics[0]"},
		{"topic description NUL", func(s *stories.Story) { s.Topics[0].Description = "\x00" }, "topics[0].description", "NUL"},
		{"topics too many", func(s *stories.Story) {
			s.Topics = nil
			for i := range 51 {
				s.Topics = append(s.Topics, stories.Topic{Name: "t" + string(rune('a'+i%26)) + string(rune('a'+i/26))})
			}
		}, "topics", "more than 50"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := validStory("story-1")
			tc.mutate(s)
			err := s.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ve *stories.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want a *ValidationError on %s", err, tc.field)
			}
			if ve.Field != tc.field || !strings.Contains(ve.Message, tc.msg) {
				t.Fatalf("Validate() = %q, want field %q with %q", err, tc.field, tc.msg)
			}
			if want := "stories: " + tc.field + ": "; !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("Error() = %q, want prefix %q", err, want)
			}
		})
	}
}

func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestNormalize(t *testing.T) {
	s := &stories.Story{
		ID:       "  id-1 ",
		URL:      " https://news.example.com/x\t",
		Headline: "  Headline  ",
		Summary:  "\r\n line one\r\nline two\rline three \n",
		Topics: []stories.Topic{
			{Name: " United States "},
			{Name: "Japan"},
			{Name: "japan", Description: "Island country."},
			{Name: "South Korea", Slug: "South Korea"},
		},
		PublishedAt: published,
	}
	s.Normalize()
	if s.ID != "id-1" || s.URL != "https://news.example.com/x" || s.Headline != "Headline" {
		t.Errorf("single-line fields not trimmed: %q %q %q", s.ID, s.URL, s.Headline)
	}
	if want := "line one\nline two\nline three"; s.Summary != want {
		t.Errorf("Summary = %q, want %q", s.Summary, want)
	}
	want := []stories.Topic{
		{Slug: "japan", Name: "Japan", Description: "Island country."},
		{Slug: "south-korea", Name: "South Korea"},
		{Slug: "united-states", Name: "United States"},
	}
	if len(s.Topics) != len(want) {
		t.Fatalf("Topics = %+v, want %+v", s.Topics, want)
	}
	for i := range want {
		if s.Topics[i] != want[i] {
			t.Errorf("Topics[%d] = %+v, want %+v", i, s.Topics[i], want[i])
		}
	}
	if err := s.Validate(); err != nil {
		t.Errorf("Validate after Normalize = %v", err)
	}
}

func TestSlug(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"two words", "South Korea", "south-korea"},
		{"punctuation run", "U.S. & Canada", "u-s-canada"},
		{"already a slug", "south-korea", "south-korea"},
		{"trimmed", "  --Japan--  ", "japan"},
		{"digits", "G7 Summit 2026", "g7-summit-2026"},
		{"unicode letters", "Côte d’Ivoire", "côte-d-ivoire"},
		{"cjk", "日本 経済", "日本-経済"},
		{"upper non-latin", "ΕΛΛΆΔΑ", "ελλάδα"},
		{"devanagari marks kept", "हिन्दी समाचार", "हिन्दी-समाचार"},
		{"leading mark dropped", "\u0301abc", "abc"},
		{"emoji is a separator", "Climate 🌍 Change", "climate-change"},
		{"html", "<b>Markets</b>", "b-markets-b"},
		{"only symbols", "&&& !!!", ""},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := stories.Slug(tc.in)
			if got != tc.want {
				t.Fatalf("Slug(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if again := stories.Slug(got); again != got {
				t.Fatalf("Slug(Slug(%q)) = %q, want %q", tc.in, again, got)
			}
		})
	}
}

func TestTopicValidate(t *testing.T) {
	tests := []struct {
		name  string
		topic stories.Topic
		field string
	}{
		{"valid", stories.Topic{Slug: "japan", Name: "Japan"}, ""},
		{"slug derived", stories.Topic{Name: "Japan"}, ""},
		{"no name", stories.Topic{Slug: "japan"}, "name"},
		{"bad slug", stories.Topic{Slug: "Ja pan", Name: "Japan"}, "slug"},
		{"description control", stories.Topic{Name: "Japan", Description: "\x1b"}, "description"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.topic.Validate()
			var ve *stories.ValidationError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tc.field != "" && (!errors.As(err, &ve) || ve.Field != tc.field):
				t.Fatalf("Validate() = %v, want an error on %q", err, tc.field)
			}
		})
	}
}
