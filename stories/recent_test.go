package stories_test

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Recent pages a topic's index newest ingest first, with the total.
func TestRecent(t *testing.T) {
	f := newFixture(t)
	for i := range 5 {
		f.put(t, validStory(fmt.Sprintf("r%d", i), "Japan"))
		f.clock.Add(time.Minute)
	}
	f.put(t, validStory("other", "China"))
	page, total, err := f.store.Recent(context.Background(), "japan", 1, 2)
	if err != nil || total != 5 || len(page) != 2 || page[0].ID != "r3" || page[1].ID != "r2" || !page[0].IngestedAt.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("page: %+v, total %d, %v", page, total, err)
	}
	if page, total, _ := f.store.Recent(context.Background(), "japan", 4, 2); len(page) != 1 || page[0].ID != "r0" || total != 5 {
		t.Errorf("last page: %+v", page)
	}
	if page, total, _ := f.store.Recent(context.Background(), "nope", 0, 2); len(page) != 0 || total != 0 {
		t.Errorf("unknown topic: %+v %d", page, total)
	}
}
