package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/stories"
	"herald/subscribers"
)

// seeder writes the bench's data through Herald's own stores.
type seeder struct {
	rdb      redis.UniversalClient
	prefix   string
	subBytes int64 // used_memory the subscribers added, summed over the masters
	now      time.Time
	o        *options
	log      *slog.Logger
}

// Zipf skew of topics: a few topics carry most stories and most follows.
const zipfS = 1.1

// zones the subscribers live in; each gets a daily time that is due now.
var zones = []string{"UTC", "Europe/London", "Europe/Berlin", "America/New_York",
	"America/Los_Angeles", "Asia/Tokyo", "Asia/Seoul", "Australia/Sydney"}

func topicSlug(i int) string { return fmt.Sprintf("topic-%03d", i) }

// seed writes the stories, then the subscribers.
func (s *seeder) seed(ctx context.Context) error {
	start := time.Now()
	if err := s.seedStories(ctx); err != nil {
		return err
	}
	s.log.Info("stories seeded", slog.Int("stories", s.o.stories), slog.Duration("took", time.Since(start)))
	start = time.Now()
	mem0, err := readMasters(ctx, s.rdb)
	if err != nil {
		return err
	}
	if err := s.seedSubscribers(ctx); err != nil {
		return err
	}
	mem1, err := readMasters(ctx, s.rdb)
	if err != nil {
		return err
	}
	s.subBytes = usedMemory(mem1) - usedMemory(mem0)
	s.log.Info("subscribers seeded", slog.Int("subscribers", s.o.n), slog.Duration("took", time.Since(start)))
	return nil
}

// parallel runs fn(0..n-1) on workers goroutines and returns the first error.
func parallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// seedStories puts a day of stories, ingested at even intervals over the
// last 24 hours, each on 1-4 Zipf-chosen topics.
func (s *seeder) seedStories(ctx context.Context) error {
	step := 24 * time.Hour / time.Duration(s.o.stories)
	first := s.now.Add(-24 * time.Hour)
	return parallel(ctx, s.o.stories, 16, func(i int) error {
		r := rand.New(rand.NewPCG(s.o.seed, uint64(i)))
		ingest := first.Add(time.Duration(i) * step)
		st := stories.NewStore(s.rdb, s.prefix, stories.Options{Now: func() time.Time { return ingest }})
		_, err := st.Put(ctx, makeStory(r, i, ingest, s.o.topics))
		return err
	})
}

// seedSubscribers adds the readers with Subscribers.Add, signed up 25
// hours ago, following 2-8 Zipf-chosen topics, each with a daily time that
// fell due an hour ago in its own zone.
func (s *seeder) seedSubscribers(ctx context.Context) error {
	signup := s.now.Add(-25 * time.Hour)
	store := subscribers.NewStore(s.rdb, s.prefix, func() time.Time { return signup })
	due := s.now.Add(-time.Hour)
	var done atomic.Int64
	return parallel(ctx, s.o.n, 64, func(i int) error {
		r := rand.New(rand.NewPCG(s.o.seed, 1<<40+uint64(i)))
		zone := zones[i%len(zones)]
		loc, err := subscribers.LoadLocation(zone)
		if err != nil {
			return err
		}
		sub := &subscribers.Subscriber{
			ID: fmt.Sprintf("r%07d", i), Kind: subscribers.KindEmail,
			Email: fmt.Sprintf("reader%07d@example.com", i), Name: fmt.Sprintf("Reader %d", i),
			TimeZone: zone, Schedule: "daily " + due.In(loc).Format("15:04"),
			Topics: zipfPick(r, s.o.topics, 2+r.IntN(7)),
		}
		if err := store.Add(ctx, sub); err != nil {
			return err
		}
		if n := done.Add(1); n%100_000 == 0 {
			s.log.Info("seeding", slog.Int64("subscribers", n))
		}
		return nil
	})
}

// zipfPick picks k distinct topic slugs out of n, skewed to the first ones.
func zipfPick(r *rand.Rand, n, k int) []string {
	z := rand.NewZipf(r, zipfS, 1, uint64(n-1))
	seen := make(map[uint64]bool, k)
	out := make([]string, 0, k)
	for len(out) < k {
		t := z.Uint64()
		if !seen[t] {
			seen[t] = true
			out = append(out, topicSlug(int(t)))
		}
	}
	return out
}

func makeStory(r *rand.Rand, i int, ingest time.Time, nTopics int) *stories.Story {
	id := fmt.Sprintf("s%05d", i)
	st := &stories.Story{
		ID:          id,
		URL:         "https://news.example.com/stories/" + id,
		Headline:    sentence(r, 8+r.IntN(8)),
		Summary:     paragraph(r, 2) + "\n" + paragraph(r, 2),
		Background:  paragraph(r, 3),
		PublishedAt: ingest.Add(-time.Duration(r.IntN(120)) * time.Minute),
	}
	for range 2 + r.IntN(3) {
		st.Analysis = append(st.Analysis, stories.Analysis{Heading: sentence(r, 4), Body: paragraph(r, 3)})
	}
	for k := range 2 + r.IntN(3) {
		out := outlets[(i+k)%len(outlets)]
		st.Sources = append(st.Sources, stories.Source{Outlet: out,
			URL: "https://" + strings.ToLower(strings.ReplaceAll(out, " ", "")) + ".example/" + id, Summary: paragraph(r, 2)})
	}
	for range 2 {
		st.Questions = append(st.Questions, stories.Question{Question: sentence(r, 7) + "?", Answer: paragraph(r, 2)})
	}
	for _, slug := range zipfPick(r, nTopics, 1+r.IntN(4)) {
		n := strings.TrimPrefix(slug, "topic-")
		st.Topics = append(st.Topics, stories.Topic{Slug: slug, Name: "Topic " + n,
			Description: "Stories about topic " + n + "."})
	}
	return st
}

var outlets = []string{"The Japan Times", "Bloomberg", "South China Morning Post", "Reuters",
	"The Guardian", "Le Monde", "Nikkei Asia", "The Korea Herald"}

// words come from the seed story page, so the text looks like news copy.
var words = strings.Fields(`South Korea's presidential policy chief stated Seoul cannot accept
the same investment terms as Japan's pledge citing economic disparities and market risks The
U.S. has proposed similar draft agreements but Seoul maintains it cannot agree complicating
regional cooperation efforts rejection of the draft agreement which mirrors accepted terms
underscores prioritization of economic sovereignty over disparity in size and potential foreign
exchange repercussions are key factors simultaneous diplomatic standoff historical issues
reveals a cautious approach by both governments Experts suggest aim to avoid escalation
especially given military displays in Beijing which heighten tensions restraint indicates
strategic effort to prevent further deterioration of bilateral relations crucial for stability
refusal to send representatives to the memorial ceremony highlight broader pattern of
diplomacy amid geopolitical uncertainties Expect continued negotiations with emphasis on
maintaining low-profile solutions provoking rivals while disputes remain sensitive — ceasefire
talks markets rallied yen 日本 서울 €5bn «quoted» élan`)

func sentence(r *rand.Rand, n int) string {
	var b strings.Builder
	for k := range n {
		if k > 0 {
			b.WriteByte(' ')
		}
		w := words[r.IntN(len(words))]
		if k == 0 && w[0] >= 'a' && w[0] <= 'z' {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
	}
	return b.String()
}

func paragraph(r *rand.Rand, sentences int) string {
	parts := make([]string, sentences)
	for k := range parts {
		parts[k] = sentence(r, 12+r.IntN(14)) + "."
	}
	return strings.Join(parts, " ")
}
