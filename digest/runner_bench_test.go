package digest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"herald/subscribers"
)

// memSubs is a SubscriberStore and batchStore in memory for the runner's
// benchmark: every subscriber due once, leased and completed without a
// round trip, so what is measured is the runner's own work.
type memSubs struct {
	mu   sync.Mutex
	all  map[string]*subscribers.Subscriber
	due  []string
	done int
}

func (m *memSubs) Claim(_ context.Context, _ time.Time, limit int, _ time.Duration) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := min(limit, len(m.due))
	ids := m.due[:n:n]
	m.due = m.due[n:]
	return ids, nil
}

func (m *memSubs) Acquire(_ context.Context, id, _ string, _ time.Time, _ time.Duration) (*subscribers.Subscriber, error) {
	return m.all[id], nil
}

func (m *memSubs) AcquireMany(_ context.Context, ids []string, _ string, _ time.Time, _ time.Duration) ([]*subscribers.Subscriber, []error) {
	out := make([]*subscribers.Subscriber, len(ids))
	for i, id := range ids {
		out[i] = m.all[id]
	}
	return out, make([]error, len(ids))
}

func (m *memSubs) Complete(context.Context, string, string, time.Time, time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done++
	return nil
}

func (m *memSubs) CompleteMany(_ context.Context, cs []subscribers.Completion) []error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done += len(cs)
	return make([]error, len(cs))
}

func (m *memSubs) Sync(context.Context, []string) map[string]error { return nil }

func (m *memSubs) Release(context.Context, string, string, time.Time, string) error { return nil }

func (m *memSubs) Hold(context.Context, string, string, time.Time, string) error { return nil }

func (m *memSubs) Bounce(context.Context, string, string, string, int, time.Time) (bool, error) {
	return false, nil
}

func (m *memSubs) Resync(context.Context, string, time.Time) error { return nil }

// fastRenderer renders nothing: the benchmark measures dispatch, not
// templates.
type fastRenderer struct{}

func (fastRenderer) RenderEmail(*Digest) (*Rendered, error) { return &Rendered{}, nil }

func (fastRenderer) RenderSlack(*Digest) ([]json.RawMessage, error) { return nil, nil }

type nopChannel struct{}

func (nopChannel) Send(context.Context, *Message) error { return nil }

// sharedLog is a batchRecorder whose subscriber entries are RedisLog's and
// whose shared view is dropped.
type sharedLog struct{ RedisLog }

func (*sharedLog) RecordShared(context.Context, []Delivery) error { return nil }

// benchReaders are n daily readers due an hour ago, signed up 25 hours
// ago, following 2-8 Zipf-skewed topics of 500.
func benchReaders(r *rand.Rand, n int, now time.Time) map[string]*subscribers.Subscriber {
	z := rand.NewZipf(r, 1.1, 1, 499)
	all := make(map[string]*subscribers.Subscriber, n)
	for i := range n {
		sub := &subscribers.Subscriber{ID: fmt.Sprintf("r%07d", i), Kind: subscribers.KindEmail,
			Email: fmt.Sprintf("reader%07d@example.com", i), TimeZone: "UTC", Schedule: "daily 07:00",
			Status: subscribers.StatusActive, Cursor: now.Add(-25 * time.Hour), NextDue: now.Add(-time.Hour)}
		for len(sub.Topics) < 2+i%7 {
			if slug := fmt.Sprintf("t%02d", z.Uint64()); !hasSlug(sub.Topics, slug) {
				sub.Topics = append(sub.Topics, slug)
			}
		}
		all[sub.ID] = sub
	}
	return all
}

// BenchmarkRunOncePerReader is one dispatch run over 2,000 due readers
// with the stores, renderer and channel in memory: claim, lease, the
// catalog's read and picks, compose, send, the finisher's completions and
// records. It reports the run's time, the process's CPU time (all
// goroutines, the collector's too) and allocations a reader.
func BenchmarkRunOncePerReader(b *testing.B) {
	const n = 2000
	r := rand.New(rand.NewPCG(7, 8))
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	store := &memSubs{all: benchReaders(r, n, now)}
	runner := &Runner{Subscribers: store, Builder: &Builder{Stories: skewed(r, 5000, 500, now)},
		Composer: &Composer{Renderer: fastRenderer{}}, Recorder: &sharedLog{},
		Channels: map[subscribers.Kind]Channel{subscribers.KindEmail: nopChannel{}},
		Now:      func() time.Time { return now }, Workers: 4}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	for b.Loop() {
		store.due = store.due[:0]
		for id := range store.all {
			store.due = append(store.due, id)
		}
		if st, err := runner.RunOnce(context.Background()); err != nil || st.Sent != n {
			b.Fatalf("%+v %v", st, err)
		}
	}
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/reader")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/reader")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N*n), "allocs/reader")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
