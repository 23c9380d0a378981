package web

import (
	"cmp"
	"context"
	"slices"
	"time"

	"herald/internal/reach"
	"herald/stories"
)

// The topics page's recent stories: for each topic, its topicStories
// latest stories by publication, picked from the topicCandidates newest
// in its index (which is by ingest), each with where it went: how many
// email digests, email alerts, Slack digests and Slack alerts carried it
// (internal/reach; counts reach Redis a few seconds after the send).
const (
	topicStories    = 20
	topicCandidates = 2 * topicStories
)

// storyReach is one story of a topic with its counts, in reach.Counters'
// order.
type storyReach struct {
	ID, Headline, URL string
	PublishedAt       time.Time
	Counts            []int64
}

// reachColumns are the headings of the counts, in reach.Counters' order.
var reachColumns = []string{"email digests", "email alerts", "Slack digests", "Slack alerts"}

// recentStories reads the recent stories of each of slugs with their
// counts: one pipelined read each of the indexes, the stories and the
// counts.
func (s *Server) recentStories(ctx context.Context, slugs []string) (map[string][]storyReach, error) {
	st := s.d.Stories
	index, err := st.RecentMany(ctx, slugs, topicCandidates)
	if err != nil {
		return nil, err
	}
	found, err := st.GetMany(ctx, entryIDs(index))
	if err != nil {
		return nil, err
	}
	picked := make(map[string][]*stories.Story, len(index))
	var shown []string
	for slug, entries := range index {
		picked[slug] = latestPublished(entries, found)
		for _, story := range picked[slug] {
			shown = append(shown, story.ID)
		}
	}
	counts, err := st.ReachOf(ctx, shown)
	if err != nil {
		return nil, err
	}
	return withReach(picked, counts), nil
}

func entryIDs(index map[string][]stories.Entry) []string {
	var ids []string
	for _, entries := range index {
		for _, e := range entries {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// latestPublished is the topicStories stories of entries published last,
// newest first (ties by id); entries no longer stored are left out.
func latestPublished(entries []stories.Entry, found map[string]*stories.Story) []*stories.Story {
	var list []*stories.Story
	for _, e := range entries {
		if story := found[e.ID]; story != nil {
			list = append(list, story)
		}
	}
	slices.SortFunc(list, func(a, b *stories.Story) int {
		return cmp.Or(b.PublishedAt.Compare(a.PublishedAt), cmp.Compare(a.ID, b.ID))
	})
	return list[:min(len(list), topicStories)]
}

func withReach(picked map[string][]*stories.Story, counts map[string]stories.Reach) map[string][]storyReach {
	out := make(map[string][]storyReach, len(picked))
	for slug, list := range picked {
		rows := make([]storyReach, len(list))
		for i, story := range list {
			rows[i] = storyReach{ID: story.ID, Headline: story.Headline, URL: story.URL,
				PublishedAt: story.PublishedAt, Counts: countsOf(counts[story.ID])}
		}
		out[slug] = rows
	}
	return out
}

func countsOf(r stories.Reach) []int64 {
	out := make([]int64, len(reach.Counters))
	for i, c := range reach.Counters {
		out[i] = r[c]
	}
	return out
}
