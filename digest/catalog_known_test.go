package digest

import (
	"context"
	"testing"
	"time"

	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/stories"
)

// heldCounter counts the stories a read gave back as the catalog's own
// earlier copies (not decoded again).
type heldCounter struct {
	*stories.Store
	reused int
}

func (h *heldCounter) GetManyKnown(ctx context.Context, ids []string, held func(string) (stories.Known, bool)) (map[string]stories.Known, error) {
	out, err := h.Store.GetManyKnown(ctx, ids, held)
	for id, k := range out {
		if was, ok := held(id); ok && was.Story == k.Story {
			h.reused++
		}
	}
	return out, err
}

// A catalog read again (after IndexMaxAge) holds the previous read's
// copies of the stories that did not change, not decoded again, and the
// edit of one that did.
func TestCatalogRereadKeepsUnchangedStories(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.Client(t)
	t0 := time.Date(2026, 11, 29, 7, 0, 0, 0, time.UTC)
	store := &heldCounter{Store: stories.NewStore(rdb, prefix, stories.Options{Now: settable.New(t0).Now})}
	put := func(id, headline string) {
		t.Helper()
		st := &stories.Story{ID: id, URL: "https://news.example.com/" + id, Headline: headline,
			Summary: "What happened.", PublishedAt: t0, Topics: []stories.Topic{{Name: "Japan"}}}
		if _, err := store.Put(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	put("a", "First")
	put("b", "Second")
	read := func(prev *catalog) *catalog {
		t.Helper()
		c := newCatalog(store, t0.Add(time.Hour), t0.Add(time.Hour), prev)
		if err := c.load(ctx, []string{"japan"}, t0.Add(-time.Hour)); err != nil || len(c.stories) != 2 {
			t.Fatalf("load: %v, %d stories", err, len(c.stories))
		}
		return c
	}
	first := read(nil)
	put("b", "Second, edited")
	again := read(first)
	story := func(c *catalog, id string) *stories.Story { return c.stories[c.byID[id]].story }
	if story(again, "a") != story(first, "a") || store.reused != 1 {
		t.Errorf("unchanged story a: %d copies given back undecoded; want a's, the earlier read's", store.reused)
	}
	if b := story(again, "b"); b == story(first, "b") || b.Headline != "Second, edited" {
		t.Errorf("edited story b = %q; want the edit", b.Headline)
	}
}
