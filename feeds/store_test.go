package feeds_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"herald/feeds"
	"herald/internal/redistest"
)

// Adding a URL again replaces its settings and keeps its status; remove
// takes it out of the index; every key of a feed shares its hash tag.
func TestStoreAddListRemove(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.Client(t)
	s := feeds.NewStore(rdb, prefix)
	f := &feeds.Feed{URL: "https://wire.example.com/rss", Topics: []string{"Korea"}}
	if created, err := s.Add(ctx, f); err != nil || !created || f.Interval != feeds.DefaultInterval {
		t.Fatalf("add: %v %v %+v", created, err, f)
	}
	if err := s.SetStatus(ctx, f.ID, feeds.Status{ETag: `"x"`, LastError: "HTTP 500"}); err != nil {
		t.Fatal(err)
	}
	again := &feeds.Feed{URL: f.URL, Topics: []string{"Asia"}, Interval: time.Hour}
	if created, err := s.Add(ctx, again); err != nil || created || again.ID != f.ID {
		t.Fatalf("add again: %v %v", created, err)
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != 1 || list[0].Topics[0] != "Asia" || list[0].Interval != time.Hour || list[0].Status.ETag != `"x"` {
		t.Fatalf("list: %v %+v", err, list)
	}
	for _, k := range redistest.Keys(t, rdb, prefix+"feed:*") {
		if !strings.Contains(k, "{"+f.ID+"}") {
			t.Errorf("key %s lacks the feed's hash tag", k)
		}
	}
	if err := s.Remove(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, f.ID); !errors.Is(err, feeds.ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
	if err := s.SetStatus(ctx, f.ID, feeds.Status{}); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.List(ctx); len(list) != 0 || len(redistest.Keys(t, rdb, prefix+"feed*")) != 0 {
		t.Errorf("after remove: %+v", list)
	}
}

func TestFeedValidate(t *testing.T) {
	cases := map[string]feeds.Feed{
		"url":      {URL: "ftp://x.example.com/", Topics: []string{"a"}},
		"topics":   {URL: "https://x.example.com/"},
		"interval": {URL: "https://x.example.com/", Topics: []string{"a"}, Interval: time.Second},
		"user":     {URL: "https://u:p@x.example.com/", Topics: []string{"a"}},
	}
	for field, f := range cases {
		f.Normalize()
		if err := f.Validate(); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v", field, err)
		}
	}
	if _, err := feeds.ParseRule("nope"); err == nil {
		t.Error("rule without =")
	}
}
