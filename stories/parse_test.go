package stories_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"herald/stories"
)

// storyJSON returns a valid story as a compact JSON object.
func storyJSON(t testing.TB, id string) string {
	t.Helper()
	data, err := json.Marshal(validStory(id, "Japan", "South Korea"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// withField returns obj (a JSON object) with one more member.
func withField(obj, member string) string {
	return obj[:len(obj)-1] + "," + member + "}"
}

func TestParseFormats(t *testing.T) {
	a, b, c := storyJSON(t, "a"), storyJSON(t, "b"), storyJSON(t, "c")
	tests := []struct {
		name  string
		input string
		ids   []string
	}{
		{"one object", a, []string{"a"}},
		{"pretty object", prettyJSON(t, a), []string{"a"}},
		{"array", "[" + a + "," + b + "," + c + "]", []string{"a", "b", "c"}},
		{"pretty array", "[\n  " + a + ",\n  " + b + "\n]\n", []string{"a", "b"}},
		{"empty array", "[]", nil},
		{"ndjson", a + "\n" + b + "\n" + c + "\n", []string{"a", "b", "c"}},
		{"ndjson crlf and blank lines", a + "\r\n\r\n" + b, []string{"a", "b"}},
		{"byte order mark", "\xef\xbb\xbf" + a, []string{"a"}},
		{"leading white space", "\n\t " + a, []string{"a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := stories.Parse(strings.NewReader(tc.input))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if ids := storyIDs(got); fmt.Sprint(ids) != fmt.Sprint(tc.ids) {
				t.Fatalf("ids = %v, want %v", ids, tc.ids)
			}
			for _, s := range got {
				if len(s.Topics) != 2 || s.Topics[0].Slug != "japan" || s.Topics[1].Slug != "south-korea" {
					t.Fatalf("topics not normalized: %+v", s.Topics)
				}
			}
		})
	}
}

func TestParseOneByteReads(t *testing.T) {
	in := "[" + storyJSON(t, "a") + "," + storyJSON(t, "b") + "]"
	got, err := stories.Parse(iotest.OneByteReader(strings.NewReader(in)))
	if err != nil || len(got) != 2 {
		t.Fatalf("Parse = %d stories, %v; want 2, nil", len(got), err)
	}
}

func prettyJSON(t testing.TB, obj string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(obj), "", "  "); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func storyIDs(ss []*stories.Story) []string {
	var ids []string
	for _, s := range ss {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestParseBadItems(t *testing.T) {
	good := storyJSON(t, "good")
	var noHeadline map[string]any
	_ = json.Unmarshal([]byte(storyJSON(t, "x")), &noHeadline)
	delete(noHeadline, "headline")
	noHeadlineJSON, _ := json.Marshal(noHeadline)
	huge := withField(storyJSON(t, "huge"), `"background":"`+strings.Repeat("a", stories.MaxStoryBytes)+`"`)
	huge5MB := withField(storyJSON(t, "huge5"), `"background":"`+strings.Repeat("a", 5<<20)+`"`)

	tests := []struct {
		name    string
		input   string
		index   int    // index of the bad item
		field   string // field named in its error
		message string
		good    int // valid items still returned
	}{
		{"missing headline", "[" + good + "," + string(noHeadlineJSON) + "]", 1, "headline", "required", 1},
		{"unknown field", withField(good, `"author":"x"`), 0, "author", "unknown field", 0},
		{"unknown nested field", "[" + good + "," + strings.Replace(storyJSON(t, "n"), `"outlet":`, `"paper":"x","outlet":`, 1) + "]", 1, "paper", "unknown field", 1},
		{"wrong type", strings.Replace(good, `"summary":"South Korea says it cannot accept the same terms as Japan."`, `"summary":5`, 1), 0, "summary", "must be a JSON string", 0},
		{"bad time", strings.Replace(good, `"published_at":"2026-11-28T08:00:00Z"`, `"published_at":"yesterday"`, 1), 0, "published_at", "RFC 3339", 0},
		{"time not a string", strings.Replace(good, `"published_at":"2026-11-28T08:00:00Z"`, `"published_at":1764316800`, 1), 0, "published_at", "RFC 3339", 0},
		{"oversized", good + "\n" + huge + "\n" + storyJSON(t, "after"), 1, "background", "larger than", 2},
		{"5 MB item in an array", "[" + good + "," + huge5MB + "," + storyJSON(t, "after") + "]", 1, "background", "larger than", 2},
		{"not an object", `[` + good + `, 42, "x"]`, 1, "", "not a JSON object", 1},
		{"duplicate id", "[" + good + "," + good + "]", 1, "id", "repeats item 0", 1},
		{"invalid utf-8", strings.Replace(good, "Seoul", "Se\xffoul", 1), 0, "", "invalid UTF-8", 0},
		{"NUL escape", strings.Replace(good, "Seoul", `Se\u0000oul`, 1), 0, "headline", "NUL", 0},
		{"CRLF in headline", strings.Replace(good, "Seoul", `Se\r\nBcc: x`, 1), 0, "headline", "control character", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := stories.Parse(strings.NewReader(tc.input))
			if len(got) != tc.good {
				t.Errorf("got %d valid stories, want %d", len(got), tc.good)
			}
			var ie *stories.ItemError
			if !errors.As(err, &ie) || ie.Index != tc.index {
				t.Fatalf("Parse error = %v, want one for item %d", err, tc.index)
			}
			var ve *stories.ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field || !strings.Contains(ve.Message, tc.message) {
				t.Fatalf("Parse error = %v, want field %q with %q", err, tc.field, tc.message)
			}
			if want := fmt.Sprintf("item %d: stories: ", tc.index); !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("Parse error = %q, want prefix %q", err, want)
			}
		})
	}
}

func TestParseErrorNamesItemAndField(t *testing.T) {
	obj := storyJSON(t, "x")
	noHeadline := strings.Replace(obj, `"headline":"Seoul rejects Japan-style investment terms",`, "", 1)
	input := strings.Join([]string{obj, storyJSON(t, "y"), storyJSON(t, "z"), noHeadline}, "\n")
	_, err := stories.Parse(strings.NewReader(input))
	if err == nil || err.Error() != "item 3: stories: headline: required" {
		t.Fatalf("Parse error = %v, want %q", err, "item 3: stories: headline: required")
	}
}

func TestParseListsEveryBadItem(t *testing.T) {
	bad := withField(storyJSON(t, "x"), `"x":1`)
	input := "[" + storyJSON(t, "a") + "," + bad + "," + storyJSON(t, "b") + "," + bad + "]"
	got, err := stories.Parse(strings.NewReader(input))
	if len(got) != 2 {
		t.Errorf("got %d valid stories, want 2", len(got))
	}
	for _, want := range []string{"item 1: stories: x: unknown field", "item 3: stories: x: unknown field"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse error = %v, want it to contain %q", err, want)
		}
	}
}

func TestParseItems(t *testing.T) {
	input := storyJSON(t, "a") + "\n" + withField(storyJSON(t, "b"), `"x":1`) + "\n" + storyJSON(t, "c")
	items, err := stories.ParseItems(strings.NewReader(input))
	if err != nil {
		t.Fatalf("ParseItems: %v", err)
	}
	if len(items) != 3 {
		t.Fatalf("got %d items, want 3", len(items))
	}
	for i, it := range items {
		if it.Index != i {
			t.Errorf("items[%d].Index = %d", i, it.Index)
		}
		if bad := i == 1; (it.Err != nil) != bad || (it.Story == nil) != bad {
			t.Errorf("items[%d] = %+v, want bad=%v", i, it, bad)
		}
	}
}

func TestParseInputErrors(t *testing.T) {
	good := storyJSON(t, "a")
	tests := []struct {
		name  string
		input io.Reader
		want  string // substring of the error
		items int    // items read before the error
	}{
		{"empty", strings.NewReader(""), "empty input", 0},
		{"white space", strings.NewReader(" \n\t"), "empty input", 0},
		{"scalar", strings.NewReader(`"story"`), "must be a JSON object, an array", 0},
		{"html", strings.NewReader(`<html>`), "must be a JSON object, an array", 0},
		{"syntax error in second item", strings.NewReader(good + "\n{\"id\": }\n" + good), "item 1: stories: invalid JSON at byte", 1},
		{"truncated array", strings.NewReader("[" + good + "," + good[:20]), "item 1: stories: invalid JSON", 1},
		{"data after array", strings.NewReader("[" + good + "] {}"), "after the array", 1},
		{"unclosed array", strings.NewReader("[" + good), "item 1", 1},
		{"read error", io.MultiReader(strings.NewReader(good+"\n"), iotest.ErrReader(errors.New("disk on fire"))), "disk on fire", 1},
		{"endless item", io.MultiReader(strings.NewReader(`{"summary":"`), endless{}), "item 0: stories: story is larger than", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, err := stories.ParseItems(tc.input)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseItems error = %v, want it to contain %q", err, tc.want)
			}
			if len(items) != tc.items {
				t.Fatalf("got %d items before the error, want %d", len(items), tc.items)
			}
		})
	}
}

func TestParseEmptyIsErrEmptyInput(t *testing.T) {
	if _, err := stories.Parse(strings.NewReader("")); !errors.Is(err, stories.ErrEmptyInput) {
		t.Fatalf("Parse(\"\") = %v, want ErrEmptyInput", err)
	}
}

// endless is an input that never ends: Parse must give up on it.
type endless struct{}

func (endless) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = 'a'
	}
	return len(b), nil
}

func TestParseKeepsHTMLAsText(t *testing.T) {
	in := strings.Replace(storyJSON(t, "a"), "Seoul rejects", `<script>alert(1)</script> Seoul rejects`, 1)
	got, err := stories.Parse(strings.NewReader(in))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if !strings.HasPrefix(got[0].Headline, "<script>alert(1)</script>") {
		t.Fatalf("Headline = %q, want the markup kept as text", got[0].Headline)
	}
}
