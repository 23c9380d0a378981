package stories_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"herald/stories"
)

// FuzzParse checks that Parse never panics, that everything it returns is a
// valid, normalized story, and that a returned story survives a JSON round
// trip unchanged. The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte(storyJSON(f, "seed")))
	f.Add([]byte("[" + storyJSON(f, "a") + "," + storyJSON(f, "b") + "]"))
	f.Add([]byte(storyJSON(f, "a") + "\n" + storyJSON(f, "b") + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, _ := stories.Parse(bytes.NewReader(data))
		for _, s := range got {
			if err := s.Validate(); err != nil {
				t.Fatalf("Parse returned an invalid story: %v", err)
			}
			again := *s
			again.Topics = append([]stories.Topic(nil), s.Topics...)
			again.Normalize()
			if !reflect.DeepEqual(&again, s) {
				t.Fatalf("Parse returned a story Normalize changes:\n%+v\n%+v", s, &again)
			}
			roundTrip(t, s)
		}
	})
}

func roundTrip(t *testing.T, s *stories.Story) {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	back, err := stories.Parse(bytes.NewReader(data))
	if err != nil || len(back) != 1 {
		t.Fatalf("re-Parse of %s = %d stories, %v", data, len(back), err)
	}
	if !back[0].PublishedAt.Equal(s.PublishedAt) {
		t.Fatalf("published_at changed in round trip: %v -> %v", s.PublishedAt, back[0].PublishedAt)
	}
	back[0].PublishedAt, back[0].IngestedAt = s.PublishedAt, s.IngestedAt
	if !reflect.DeepEqual(back[0], s) {
		t.Fatalf("round trip changed the story:\n%+v\n%+v", s, back[0])
	}
}

// FuzzSlug checks that Slug is idempotent and yields only lowercase
// hyphen-separated words.
func FuzzSlug(f *testing.F) {
	for _, s := range []string{"South Korea", "U.S. & Canada", "हिन्दी", "\u0301x", "ΣΑΣ", "İstanbul"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		slug := stories.Slug(name)
		if again := stories.Slug(slug); again != slug {
			t.Fatalf("Slug(%q) = %q but Slug of that = %q", name, slug, again)
		}
		if bytes.HasPrefix([]byte(slug), []byte("-")) || bytes.HasSuffix([]byte(slug), []byte("-")) || bytes.Contains([]byte(slug), []byte("--")) {
			t.Fatalf("Slug(%q) = %q: stray hyphen", name, slug)
		}
	})
}
