package web

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"herald/subscribers"
)

// TestDisplaySpoofingRefused: names and one-line story fields holding bidi
// controls or line separators are refused with a 422 naming the field, and
// nothing is stored.
func TestDisplaySpoofingRefused(t *testing.T) {
	f := newFixture(t)
	f.addSub(reader("existing", "existing@example.com", "japan"))
	stored := f.getSub("existing")
	story := func(from, to string) string { return strings.Replace(storyJSON("s1", "Japan"), from, to, 1) }
	tests := []struct {
		name, method, path, body, field, msg string
	}{
		{"reader name with U+202E", "POST", "/v1/subscribers", `{"email":"ann@example.com","name":"Ann \u202emoc.elpmaxe"}`, "name", "U+202E"},
		{"team name with an isolate", "POST", "/v1/subscribers", `{"slack_channel":"C0123ABCD","name":"Asia desk \u2067x"}`, "name", "U+2067"},
		{"renamed with U+2028", "PATCH", "/v1/subscribers/existing", `{"name":"Ann\u2028Bcc"}`, "name", "U+2028"},
		{"headline with U+2028", "POST", "/v1/stories", story(`"headline":"Headline of s1"`, `"headline":"Headline\u2028of s1"`), "headline", "U+2028"},
		{"headline with U+202E", "POST", "/v1/stories", story(`"headline":"Headline of s1"`, `"headline":"Headline \u202e1s fo"`), "headline", "U+202E"},
		{"topic name with U+202D", "POST", "/v1/stories", story(`{"name":"Japan"}`, `{"name":"Japan\u202d"}`), "topics[0].name", "U+202D"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.keyCount()
			r := f.api(tc.method, tc.path, tc.body, "Content-Type: application/json")
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"`+tc.field+`"`) || !strings.Contains(r.Body, tc.msg) {
				t.Fatalf("%d %s; want 422 naming %s and %s", r.Status, r.Body, tc.field, tc.msg)
			}
			if after := f.keyCount(); after != before {
				t.Errorf("keys under the prefix: %d before, %d after", before, after)
			}
			if got := f.getSub("existing"); !sameSubscriber(got, stored) {
				t.Errorf("existing subscriber changed: %+v", got)
			}
		})
	}
}

// TestImportCSVSpoofedName: an import keeps the valid rows and names the
// line and field of a name holding a bidi control or a line separator.
func TestImportCSVSpoofedName(t *testing.T) {
	f := newFixture(t)
	csv := "email,name\n" +
		"ann@example.com,Ann\n" +
		"eve@example.com,Eve \u202emoc.elpmaxe@nna\n" +
		"bob@example.com,Bob\n" +
		"mal@example.com,Mal\u2028Bcc\n"
	r := f.api("POST", "/v1/subscribers/import", csv, "Content-Type: text/csv")
	res := decode[importResult](t, r)
	if r.Status != 200 || res.Added != 2 || res.Skipped != 2 || len(res.Errors) != 2 {
		t.Fatalf("%d %+v", r.Status, res)
	}
	for i, want := range []struct {
		line int
		msg  string
	}{{3, "U+202E"}, {5, "U+2028"}} {
		if e := res.Errors[i]; e.Line != want.line || e.Field != "name" || !strings.Contains(e.Message, want.msg) {
			t.Errorf("error %d: %+v, want line %d, field name, %s", i, e, want.line, want.msg)
		}
	}
	for _, addr := range []string{"ann@example.com", "bob@example.com"} {
		if _, err := f.subs.GetByEmail(t.Context(), addr); err != nil {
			t.Errorf("%s not imported: %v", addr, err)
		}
	}
	if _, err := f.subs.GetByEmail(t.Context(), "eve@example.com"); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("the spoofed name was imported: %v", err)
	}
}
