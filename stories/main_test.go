package stories_test

import (
	"testing"
	"time"

	"herald/internal/redistest"
	"herald/stories"
)

func TestMain(m *testing.M) { redistest.Main(m) }

var published = time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)

// validStory returns a story that passes Validate, with every part filled.
func validStory(id string, topics ...string) *stories.Story {
	if len(topics) == 0 {
		topics = []string{"Japan"}
	}
	s := &stories.Story{
		ID:          id,
		URL:         "https://news.example.com/" + id,
		Headline:    "Seoul rejects Japan-style investment terms",
		Summary:     "South Korea says it cannot accept the same terms as Japan.",
		Analysis:    []stories.Analysis{{Heading: "Strategic divergence", Body: "Line one.\nLine two."}},
		Sources:     []stories.Source{{Outlet: "The Japan Times", URL: "https://www.japantimes.co.jp/x", Summary: "Seoul told U.S. officials..."}},
		Background:  "Recent diplomatic tensions...",
		Questions:   []stories.Question{{Question: "Why?", Answer: "Because."}},
		PublishedAt: published,
	}
	for _, name := range topics {
		s.Topics = append(s.Topics, stories.Topic{Name: name})
	}
	s.Normalize()
	return s
}
