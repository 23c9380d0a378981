package digest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"herald/digest"
	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/stories"
	"herald/subscribers"
	"herald/templates"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// recorder is a channel that records every message and answers with the
// error fail returns for it (nil: accepted).
type recorder struct {
	mu   sync.Mutex
	msgs []*digest.Message
	fail func(msg *digest.Message, attempt int) error
	seen map[string]int
}

func (r *recorder) Send(_ context.Context, msg *digest.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]int{}
	}
	r.seen[msg.SubscriberID]++
	if r.fail != nil {
		if err := r.fail(msg, r.seen[msg.SubscriberID]); err != nil {
			return err
		}
	}
	r.msgs = append(r.msgs, msg)
	return nil
}

func (r *recorder) sent() []*digest.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*digest.Message(nil), r.msgs...)
}

func (r *recorder) countFor(id string) int {
	n := 0
	for _, m := range r.sent() {
		if m.SubscriberID == id {
			n++
		}
	}
	return n
}

// env is one test's Herald: real Redis stores, real templates, a recording channel.
type env struct {
	t       *testing.T
	clock   *settable.Clock
	stories *stories.Store
	subs    *subscribers.Store
	ch      *recorder
	runner  *digest.Runner
	prefix  string
}

func newEnv(t *testing.T, start time.Time) *env {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	c := settable.New(start)
	e := &env{t: t, clock: c, ch: &recorder{}, prefix: prefix}
	e.stories = stories.NewStore(rdb, prefix, stories.Options{Now: c.Now})
	e.subs = subscribers.NewStore(rdb, prefix, c.Now)
	e.runner = e.newRunner()
	return e
}

func (e *env) newRunner() *digest.Runner {
	return &digest.Runner{
		Subscribers: e.subs,
		Builder:     &digest.Builder{Stories: e.stories},
		Composer:    &digest.Composer{Renderer: mustTemplates(e.t)},
		Channels:    map[subscribers.Kind]digest.Channel{subscribers.KindEmail: e.ch, subscribers.KindSlack: e.ch},
		Now:         e.clock.Now,
		Workers:     4,
		RetryDelay:  10 * time.Minute,
	}
}

func mustTemplates(t *testing.T) *templates.Set {
	t.Helper()
	tpl, err := templates.Load("", templates.Options{SiteURL: "https://news.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// addReader signs up an email reader now.
func (e *env) addReader(email, tz, schedule string, topics ...string) *subscribers.Subscriber {
	e.t.Helper()
	s := &subscribers.Subscriber{Kind: subscribers.KindEmail, Email: email, Name: "Reader", TimeZone: tz, Schedule: schedule, Topics: topics}
	if err := e.subs.Add(context.Background(), s); err != nil {
		e.t.Fatalf("add %s: %v", email, err)
	}
	return s
}

// ingest stores a story on the given topic names at the current clock.
func (e *env) ingest(id string, published time.Time, topicNames ...string) *stories.Story {
	e.t.Helper()
	st := &stories.Story{
		ID: id, URL: "https://news.example.com/" + id, Headline: "Headline " + id,
		Summary: "What happened in " + id + ".", PublishedAt: published,
	}
	for _, n := range topicNames {
		st.Topics = append(st.Topics, stories.Topic{Name: n})
	}
	if _, err := e.stories.Put(context.Background(), st); err != nil {
		e.t.Fatalf("put %s: %v", id, err)
	}
	return st
}

// ingestPriority is ingest with the newsroom's priority set.
func (e *env) ingestPriority(id string, priority int, published time.Time, topicNames ...string) {
	e.t.Helper()
	st := &stories.Story{
		ID: id, URL: "https://news.example.com/" + id, Headline: "Headline " + id,
		Summary: "What happened in " + id + ".", PublishedAt: published, Priority: priority,
	}
	for _, n := range topicNames {
		st.Topics = append(st.Topics, stories.Topic{Name: n})
	}
	if _, err := e.stories.Put(context.Background(), st); err != nil {
		e.t.Fatalf("put %s: %v", id, err)
	}
}

func (e *env) run() digest.Stats {
	e.t.Helper()
	st, err := e.runner.RunOnce(context.Background())
	if err != nil {
		e.t.Fatalf("RunOnce: %v", err)
	}
	return st
}

func (e *env) get(id string) *subscribers.Subscriber {
	e.t.Helper()
	s, err := e.subs.Get(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func storyIDs(d *digest.Digest) []string {
	var out []string
	for _, it := range d.Items {
		out = append(out, it.Story.ID)
	}
	return out
}

func topicNames(it digest.Item) string {
	s := ""
	for i, t := range it.Matched {
		if i > 0 {
			s += ","
		}
		s += t.Name
	}
	return s
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(fmt.Sprintf("bad time %q", s))
	}
	return t
}
