package templates

import (
	"time"

	"herald/digest"
	"herald/stories"
	"herald/subscribers"
)

// sampleDigests are what Load executes every template against: a digest
// with every optional part filled, an empty one, and an instant alert.
func sampleDigests() []*digest.Digest {
	sub := &subscribers.Subscriber{
		ID: "sample", Kind: subscribers.KindEmail, Email: "reader@example.com", Name: "Reader",
		TimeZone: "UTC", Topics: []string{"japan", "south-korea", "weather"},
	}
	at := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	links := digest.Links{
		Site:        "https://news.example.com/",
		Unsubscribe: "https://news.example.com/u/sample",
		Preferences: "https://news.example.com/p/sample",
		Mailto:      "mailto:unsubscribe@example.com?subject=sample",
		Web:         "https://news.example.com/m/sample",
		Unfollow: map[string]string{"japan": "https://news.example.com/f/japan/sample",
			"south-korea": "https://news.example.com/f/south-korea/sample"},
	}
	full := &digest.Digest{
		Subscriber: sub,
		Window:     digest.Window{Start: at.Add(-24 * time.Hour), End: at},
		Items:      []digest.Item{sampleItem("lead", at), sampleItem("brief", at)},
		More:       3,
		Links:      links,
		Slot:       at,
	}
	empty := &digest.Digest{Subscriber: sub, Window: full.Window, Links: links}
	alertSub := *sub
	alertSub.Schedule = "instant"
	alert := &digest.Digest{Subscriber: &alertSub, Window: full.Window, Items: full.Items[:1], Links: links}
	return []*digest.Digest{full, empty, alert}
}

func sampleItem(id string, at time.Time) digest.Item {
	japan := stories.Topic{Slug: "japan", Name: "Japan", Description: "An island country."}
	return digest.Item{
		Story: &stories.Story{
			ID: id, URL: "https://news.example.com/" + id, Headline: "Headline",
			Summary:     "First paragraph.\nSecond paragraph.",
			Analysis:    []stories.Analysis{{Heading: "Heading", Body: "Body."}},
			Sources:     []stories.Source{{Outlet: "Linked", URL: "https://outlet.example/", Summary: "Says."}, {Outlet: "Unlinked", Summary: "Says."}},
			Background:  "Background.",
			Questions:   []stories.Question{{Question: "Why?", Answer: "Because."}},
			Topics:      []stories.Topic{japan},
			PublishedAt: at, IngestedAt: at,
		},
		Matched: []stories.Topic{japan},
	}
}
