package digest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"herald/digest"
	"herald/internal/redistest"
	"herald/stories"
	"herald/subscribers"
)

// BenchmarkGatherOneSubscriber builds one reader's digest from a real Redis
// as Builder.Build does outside a dispatch run: the followed topics' index
// over the reader's window (one pipelined read), then the stories (one
// more). 500 stories over a day on 20 topics; the reader follows three.
func BenchmarkGatherOneSubscriber(b *testing.B) {
	ctx := context.Background()
	rdb, prefix := redistest.Client(b)
	end := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	for i := range 500 {
		at := end.Add(-time.Duration(500-i) * 24 * time.Hour / 500)
		st := stories.NewStore(rdb, prefix, stories.Options{Now: func() time.Time { return at }})
		s := &stories.Story{ID: fmt.Sprintf("s%03d", i), URL: "https://news.example.com/s", Headline: "Headline",
			Summary: "What happened, at some length. " + fmt.Sprint(i), PublishedAt: at,
			Topics: []stories.Topic{{Name: fmt.Sprintf("Topic %d", i%20)}, {Name: fmt.Sprintf("Topic %d", i%7)}}}
		if _, err := st.Put(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	builder := &digest.Builder{Stories: stories.NewStore(rdb, prefix, stories.Options{})}
	sub := &subscribers.Subscriber{ID: "bench", Cursor: end.Add(-25 * time.Hour),
		Topics: []string{"topic-0", "topic-3", "topic-11"}}
	b.ReportAllocs()
	for b.Loop() {
		d, err := builder.Build(ctx, sub, end)
		if err != nil {
			b.Fatal(err)
		}
		if len(d.Items) != 10 {
			b.Fatalf("%d items", len(d.Items))
		}
	}
}
