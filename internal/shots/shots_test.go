package shots_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"herald/digest"
	"herald/examples"
	"herald/internal/shots"
	"herald/stories"
	"herald/subscribers"
	"herald/templates"
)

// richest is the richest example digest: twelve stories on the topics of
// the example reader who follows the most.
func richest(t *testing.T) []byte {
	t.Helper()
	all, err := stories.Parse(bytes.NewReader(examples.Stories()))
	if err != nil {
		t.Fatal(err)
	}
	sub := &subscribers.Subscriber{ID: "sub-haruto", Kind: subscribers.KindEmail, Email: "haruto@example.org", Name: "佐藤 陽翔",
		TimeZone: "Asia/Tokyo", Schedule: "0 18 * * 1-5", Topics: []string{"japan", "markets", "technology", "china", "south-korea", "united-states"}}
	var items []digest.Item
	for _, st := range all {
		st.Normalize()
		var matched []stories.Topic
		for _, tp := range st.Topics {
			for _, f := range sub.Topics {
				if tp.Slug == f {
					matched = append(matched, tp)
				}
			}
		}
		if len(matched) > 0 && len(items) < 12 {
			items = append(items, digest.Item{Story: st, Matched: matched})
		}
	}
	end := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	d := &digest.Digest{Subscriber: sub, Window: digest.Window{Start: end.Add(-24 * time.Hour), End: end}, Items: items, More: 2,
		Links: digest.Links{Site: "https://news.example.com/", Web: "https://herald.example.com/m/tok",
			Unsubscribe: "https://herald.example.com/u/tok", Preferences: "https://herald.example.com/p/tok"}}
	set, err := templates.Load("", templates.Options{PostalAddress: "1 Press Street, Springfield 12345"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := set.RenderEmail(d)
	if err != nil {
		t.Fatal(err)
	}
	return r.HTML
}

// TestBrowserEmailFitsAndReads opens the richest digest in headless
// Chromium at 375 and 600 px, light and dark: no horizontal scroll, every
// text at least 4.5:1 against its background (WCAG AA) and 14 px, from the
// page's computed styles. Skipped without Chromium unless
// HERALD_TEST_REQUIRE_BROWSER=1.
func TestBrowserEmailFitsAndReads(t *testing.T) {
	if _, err := os.Stat(shots.Chromium); err != nil {
		if os.Getenv("HERALD_TEST_REQUIRE_BROWSER") == "1" {
			t.Fatalf("%s not found and HERALD_TEST_REQUIRE_BROWSER=1", shots.Chromium)
		}
		t.Skipf("%s not found", shots.Chromium)
	}
	html := richest(t)
	b, err := shots.Start(shots.Chromium, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, v := range shots.EmailViews {
		m, err := b.Measure(html, v)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: width %d/%d, lowest contrast %.2f (%s), smallest text %.0fpx", v, m.ScrollWidth, m.ClientWidth, m.MinContrast, m.Worst, m.MinFontPx)
		if m.ScrollWidth > m.ClientWidth {
			t.Errorf("%s: the page is %d px wide in a %d px viewport: it scrolls sideways", v, m.ScrollWidth, m.ClientWidth)
		}
		if m.MinContrast < 4.5 {
			t.Errorf("%s: contrast %.2f:1 < 4.5:1 for %s", v, m.MinContrast, m.Worst)
		}
		if m.MinFontPx < 14 {
			t.Errorf("%s: text of %.0f px (%q), want at least 14", v, m.MinFontPx, m.SmallestText)
		}
	}
}

// TestBrowserChecksCanFail measures a page that breaks every rule.
func TestBrowserChecksCanFail(t *testing.T) {
	if _, err := os.Stat(shots.Chromium); err != nil {
		t.Skipf("%s not found", shots.Chromium)
	}
	b, err := shots.Start(shots.Chromium, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	bad := []byte(`<!DOCTYPE html><html><body style="background:#ffffff"><table width="600"><tr><td style="color:#bbbbbb;font-size:11px">faint and small</td></tr></table></body></html>`)
	m, err := b.Measure(bad, shots.View{Width: 375})
	if err != nil {
		t.Fatal(err)
	}
	if m.ScrollWidth <= m.ClientWidth || m.MinContrast >= 4.5 || m.MinFontPx >= 14 {
		t.Errorf("a 600px table of faint 11px text measures %+v: the checks cannot fail", m)
	}
}
