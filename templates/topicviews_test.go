package templates

import (
	"slices"
	"testing"

	"herald/digest"
	"herald/stories"
	"herald/subscribers"
)

// The topics a digest covers come in the order the reader follows them,
// then any other in the order the stories name them, each once, with the
// first description the stories carry and the topic's unfollow link.
func TestTopicViewsFollowOrder(t *testing.T) {
	japan := stories.Topic{Slug: "japan", Name: "Japan"}
	korea := stories.Topic{Slug: "korea", Name: "South Korea", Description: "The peninsula."}
	trade := stories.Topic{Slug: "trade", Name: "Trade"}
	st := func(ts ...stories.Topic) *stories.Story { return &stories.Story{Topics: ts} }
	d := &digest.Digest{
		Subscriber: &subscribers.Subscriber{Topics: []string{"korea", "japan"}},
		Items: []digest.Item{
			{Story: st(japan, trade), Matched: []stories.Topic{japan, trade}},
			{Story: st(korea), Matched: []stories.Topic{korea}},
			{Story: st(japan), Matched: []stories.Topic{japan}},
		},
		Links: digest.Links{Unfollow: map[string]string{"japan": "https://h.example/f/japan/x", "korea": "https://h.example/f/korea/y"}},
	}
	got := topicViews(d)
	want := []TopicView{
		{Name: "South Korea", Description: "The peninsula.", Unfollow: "https://h.example/f/korea/y"},
		{Name: "Japan", Unfollow: "https://h.example/f/japan/x"},
		{Name: "Trade"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("topicViews = %+v\nwant %+v", got, want)
	}
	if names := topicNamesOf(got); !slices.Equal(names, []string{"South Korea", "Japan", "Trade"}) {
		t.Errorf("names %q", names)
	}
}
