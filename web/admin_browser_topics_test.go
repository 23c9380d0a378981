package web

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"herald/internal/reach"
	"herald/stories"
)

// topicReach opens the topics page over stories with reach counts and
// finds a story's counts in their columns, on a 375 px wide page that
// does not scroll sideways. A screenshot lands in dir.
func topicReach(t *testing.T, ctx context.Context, base string, st *stories.Store, dir string) {
	t.Helper()
	err := st.AddReach(context.Background(), map[string]map[string]int64{"story-0": {reach.EmailDigest: 3, reach.SlackAlert: 1}})
	if err != nil {
		t.Fatal(err)
	}
	row := "#reach-japan-story-0"
	run(t, ctx, "topics page", chromedp.Navigate(base+"/admin/topics"), chromedp.WaitVisible(chromedp.CSS(row)))
	shot(t, ctx, dir, "console-topics.png")
	for label, want := range map[string]string{"email digests": "3", "email alerts": "0", "Slack alerts": "1"} {
		wantText(t, ctx, row+` td[data-label="`+label+`"]`, want)
	}
	wantText(t, ctx, row, "Headline of story-0")
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil || wide {
		t.Errorf("topics page wider than the 375 px window (%v)", err)
	}
}
