package digest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"herald/digest"
	"herald/internal/redistest"
	"herald/subscribers"
)

func TestRunDeliversAndAdvances(t *testing.T) {
	t0 := mustTime("2026-11-27T06:00:00Z")
	e := newEnv(t, t0)
	rec := &memLog{}
	e.runner.Recorder = rec
	sub := e.addReader("daily@example.com", "UTC", "daily 07:00", "japan")
	if want := mustTime("2026-11-27T07:00:00Z"); !e.get(sub.ID).NextDue.Equal(want) {
		t.Fatalf("first due %v, want %v", e.get(sub.ID).NextDue, want)
	}
	e.clock.Set(t0.Add(30 * time.Minute))
	e.ingest("s1", t0, "Japan")

	e.clock.Set(mustTime("2026-11-27T06:59:59Z"))
	if st := e.run(); st.Claimed != 0 {
		t.Fatalf("claimed %d before due", st.Claimed)
	}
	e.clock.Set(mustTime("2026-11-27T07:00:05Z"))
	if st := e.run(); st.Sent != 1 {
		t.Fatalf("stats %+v, want one sent", st)
	}
	got := e.get(sub.ID)
	if want := mustTime("2026-11-28T07:00:00Z"); !got.NextDue.Equal(want) {
		t.Errorf("next due %v, want %v", got.NextDue, want)
	}
	if !got.Cursor.After(t0.Add(30 * time.Minute)) {
		t.Errorf("cursor %v did not pass the story", got.Cursor)
	}
	msg := e.ch.sent()[0]
	if msg.Email == nil || msg.To.Email != "daily@example.com" || msg.ID == "" {
		t.Fatalf("message %+v", msg)
	}
	if got := rec.results(); len(got) != 1 || got[0] != "sent" || rec.list[0].MessageID != msg.ID || rec.list[0].Stories != 1 {
		t.Errorf("delivery log %v, want one sent record for %s", rec.list, msg.ID)
	}
	if st := e.run(); st.Claimed != 0 {
		t.Errorf("second run claimed %d: sent twice?", st.Claimed)
	}
}

// A story ingested after a window closed, even if published before it,
// reaches the next digest; nothing is sent twice.
func TestLateStoryReachesNextDigest(t *testing.T) {
	t0 := mustTime("2026-11-27T06:00:00Z")
	e := newEnv(t, t0)
	sub := e.addReader("late@example.com", "UTC", "daily 07:00", "japan")
	e.clock.Set(t0.Add(10 * time.Minute))
	e.ingest("on-time", t0, "Japan")
	e.clock.Set(mustTime("2026-11-27T07:00:03Z"))
	e.run()
	e.clock.Set(mustTime("2026-11-27T07:30:00Z"))
	e.ingest("late", mustTime("2026-11-27T06:30:00Z"), "Japan") // published before the first digest
	e.clock.Set(mustTime("2026-11-28T07:00:03Z"))
	e.run()

	msgs := e.ch.sent()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	first, second := string(msgs[0].Email.Text), string(msgs[1].Email.Text)
	if !contains(first, "Headline on-time") || contains(first, "Headline late") {
		t.Errorf("first digest: want on-time only\n%s", first)
	}
	if !contains(second, "Headline late") || contains(second, "Headline on-time") {
		t.Errorf("second digest: want late only\n%s", second)
	}
	if msgs[0].ID == msgs[1].ID {
		t.Error("two windows share a message ID")
	}
	_ = sub
}

func TestNoStoriesNoMessageScheduleAdvances(t *testing.T) {
	t0 := mustTime("2026-11-27T06:00:00Z")
	e := newEnv(t, t0)
	sub := e.addReader("quiet@example.com", "Europe/London", "daily 07:00", "japan")
	e.clock.Set(mustTime("2026-11-27T07:00:03Z"))
	st := e.run()
	if st.Empty != 1 || len(e.ch.sent()) != 0 {
		t.Fatalf("stats %+v, %d sent; want one empty and nothing sent", st, len(e.ch.sent()))
	}
	if want := mustTime("2026-11-28T07:00:00Z"); !e.get(sub.ID).NextDue.Equal(want) {
		t.Errorf("next due %v, want %v", e.get(sub.ID).NextDue, want)
	}
}

// After downtime spanning several due times, one catch-up digest holds
// everything, and the next due time is in the future.
func TestCatchUpOnceAfterDowntime(t *testing.T) {
	t0 := mustTime("2026-11-20T06:00:00Z")
	e := newEnv(t, t0)
	sub := e.addReader("away@example.com", "America/New_York", "daily 07:00", "japan")
	for day := 0; day < 5; day++ {
		e.clock.Set(t0.Add(time.Duration(day)*24*time.Hour + time.Hour))
		e.ingest(fmt.Sprintf("day%d", day), e.clock.Now(), "Japan")
	}
	e.clock.Set(mustTime("2026-11-25T20:00:00Z"))
	st := e.run()
	if st.Sent != 1 || len(e.ch.sent()) != 1 {
		t.Fatalf("stats %+v; want exactly one catch-up digest", st)
	}
	if got := e.ch.sent()[0]; !contains(string(got.Email.Text), "Headline day0") || !contains(string(got.Email.Text), "Headline day4") {
		t.Errorf("catch-up digest misses stories:\n%s", got.Email.Text)
	}
	if want := mustTime("2026-11-26T12:00:00Z"); !e.get(sub.ID).NextDue.Equal(want) { // 07:00 EST
		t.Errorf("next due %v, want %v", e.get(sub.ID).NextDue, want)
	}
	if st := e.run(); st.Claimed != 0 {
		t.Errorf("a second run claimed %d", st.Claimed)
	}
}

// Two dispatchers (separate connections, one Redis) running at once send
// each digest exactly once.
func TestTwoDispatchersSendEachOnce(t *testing.T) {
	t0 := mustTime("2026-11-27T06:00:00Z")
	e := newEnv(t, t0)
	const n = 300
	ids := make([]string, n)
	for i := range n {
		ids[i] = e.addReader(fmt.Sprintf("r%03d@example.com", i), "UTC", "daily 07:00", "japan").ID
	}
	e.clock.Set(t0.Add(time.Minute))
	e.ingest("news", t0, "Japan")
	e.clock.Set(mustTime("2026-11-27T07:00:03Z"))

	other := e.newRunner()
	rdb2, _ := redistest.Client(t) // a second connection pool, as a second process would have
	other.Subscribers = subscribers.NewStore(rdb2, e.prefix, e.clock.Now)
	e.runner.BatchSize, other.BatchSize = 25, 25
	var wg sync.WaitGroup
	stats := make([]digest.Stats, 2)
	for i, r := range []*digest.Runner{e.runner, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := r.RunOnce(context.Background())
			if err != nil {
				t.Error(err)
			}
			stats[i] = st
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if c := e.ch.countFor(id); c != 1 {
			t.Fatalf("subscriber %s got %d digests, want 1", id, c)
		}
	}
	if stats[0].Sent+stats[1].Sent != n {
		t.Errorf("sent %d + %d, want %d", stats[0].Sent, stats[1].Sent, n)
	}
	t.Logf("split: %d / %d", stats[0].Sent, stats[1].Sent)
}

// The cursor moves only after the channel accepted the message: a temporary
// failure keeps the window, and the retry carries the same Message-ID.
func TestTemporaryFailureKeepsWindow(t *testing.T) {
	t0 := mustTime("2026-11-27T06:00:00Z")
	e := newEnv(t, t0)
	sub := e.addReader("retry@example.com", "UTC", "daily 07:00", "japan")
	e.clock.Set(t0.Add(time.Minute))
	e.ingest("s1", t0, "Japan")
	var attemptIDs []string
	e.ch.fail = func(msg *digest.Message, attempt int) error {
		attemptIDs = append(attemptIDs, msg.ID)
		if attempt == 1 {
			return digest.Temporary(451, errors.New("try later"))
		}
		return nil
	}
	e.clock.Set(mustTime("2026-11-27T07:00:03Z"))
	if st := e.run(); st.Temporary != 1 || st.Sent != 0 {
		t.Fatalf("first run %+v", st)
	}
	got := e.get(sub.ID)
	if !got.Cursor.Equal(t0) {
		t.Errorf("cursor moved to %v after a failed send", got.Cursor)
	}
	if st := e.run(); st.Claimed != 0 {
		t.Fatalf("retried before the retry delay: %+v", st)
	}
	e.clock.Add(7 * time.Minute) // RetryDelay 10m less the largest jitter (20%) is 8m
	if st := e.run(); st.Claimed != 0 {
		t.Fatalf("retried before the retry delay: %+v", st)
	}
	e.clock.Add(6 * time.Minute) // past 10m plus the largest jitter
	if st := e.run(); st.Sent != 1 {
		t.Fatalf("retry run %+v", st)
	}
	if len(e.ch.sent()) != 1 || len(attemptIDs) != 2 || attemptIDs[0] != attemptIDs[1] {
		t.Errorf("accepted %d, attempts %v: want one accepted, same ID twice", len(e.ch.sent()), attemptIDs)
	}
	if want := mustTime("2026-11-28T07:00:00Z"); !e.get(sub.ID).NextDue.Equal(want) {
		t.Errorf("next due %v, want %v", e.get(sub.ID).NextDue, want)
	}
}

func TestPermanentFailureSuppresses(t *testing.T) {
	t0 := mustTime("2026-11-27T06:00:00Z")
	e := newEnv(t, t0)
	sub := e.addReader("gone@example.com", "UTC", "daily 07:00", "japan")
	e.clock.Set(t0.Add(time.Minute))
	e.ingest("s1", t0, "Japan")
	e.ch.fail = func(*digest.Message, int) error {
		return digest.Permanent(550, "smtp_550", errors.New("no such user"))
	}
	e.clock.Set(mustTime("2026-11-27T07:00:03Z"))
	if st := e.run(); st.Permanent != 1 {
		t.Fatalf("stats %+v", st)
	}
	got := e.get(sub.ID)
	if got.Status != subscribers.StatusBounced || got.Bounces != 1 || !contains(got.LastError, "550") {
		t.Errorf("after 550: status %s bounces %d last error %q", got.Status, got.Bounces, got.LastError)
	}
	for day := 1; day <= 3; day++ {
		e.clock.Add(24 * time.Hour)
		e.run()
	}
	if n := e.ch.seen[sub.ID]; n != 1 {
		t.Errorf("%d attempts on a bounced address, want 1", n)
	}
}

// A process that claimed and acquired a subscriber, then died, leaves a
// lease; once it passes, another run delivers.
func TestCrashedClaimRetriedAfterLease(t *testing.T) {
	t0 := mustTime("2026-11-27T06:00:00Z")
	e := newEnv(t, t0)
	sub := e.addReader("crash@example.com", "UTC", "daily 07:00", "japan")
	e.clock.Set(t0.Add(time.Minute))
	e.ingest("s1", t0, "Japan")
	now := mustTime("2026-11-27T07:00:03Z")
	e.clock.Set(now)
	ctx := context.Background()
	ids, err := e.subs.Claim(ctx, now, 10, 5*time.Minute)
	if err != nil || !slices.Equal(ids, []string{sub.ID}) {
		t.Fatalf("claim %v %v", ids, err)
	}
	if _, err := e.subs.Acquire(ctx, sub.ID, "dead-process", now, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if st := e.run(); st.Sent != 0 {
		t.Fatalf("sent during another's lease: %+v", st)
	}
	e.clock.Set(now.Add(5*time.Minute + time.Second))
	if st := e.run(); st.Sent != 1 {
		t.Fatalf("after the lease: %+v", st)
	}
}

func TestShutdownDefersUnstartedWork(t *testing.T) {
	t0 := mustTime("2026-11-27T06:00:00Z")
	e := newEnv(t, t0)
	sub := e.addReader("stop@example.com", "UTC", "daily 07:00", "japan")
	e.clock.Set(t0.Add(time.Minute))
	e.ingest("s1", t0, "Japan")
	e.clock.Set(mustTime("2026-11-27T07:00:03Z"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st, _ := e.runner.RunOnce(ctx)
	if st.Sent != 0 || len(e.ch.sent()) != 0 {
		t.Fatalf("sent after shutdown began: %+v", st)
	}
	if st := e.run(); st.Sent != 1 {
		t.Fatalf("after restart: %+v (work was lost)", st)
	}
	_ = sub
}

func contains(s, sub string) bool { return len(sub) > 0 && len(s) >= len(sub) && indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// Temporary failures back off exponentially; once MaxAttempts are used the
// delivery is marked failed, the window is kept and the next scheduled
// digest still carries its stories.
func TestRetriesExhaustedKeepWindow(t *testing.T) {
	t0 := mustTime("2026-11-27T06:00:00Z")
	e := newEnv(t, t0)
	e.runner.MaxAttempts = 3
	rec := &memLog{}
	e.runner.Recorder = rec
	sub := e.addReader("flaky@example.com", "UTC", "daily 07:00", "japan")
	e.clock.Set(t0.Add(time.Minute))
	e.ingest("s1", t0, "Japan")
	down := true
	e.ch.fail = func(*digest.Message, int) error {
		if down {
			return digest.Temporary(421, errors.New("service not available"))
		}
		return nil
	}
	e.clock.Set(mustTime("2026-11-27T07:00:03Z"))
	var waits []time.Duration
	for i := 0; i < 3; i++ {
		before := e.clock.Now()
		e.run()
		got := e.get(sub.ID)
		if i < 2 {
			waits = append(waits, got.NextDue.Sub(before))
			e.clock.Set(got.NextDue)
		}
	}
	if len(waits) != 2 || waits[0] < 8*time.Minute || waits[0] > 12*time.Minute || waits[1] < 16*time.Minute || waits[1] > 24*time.Minute {
		t.Errorf("backoff waits %v, want about 10m then 20m", waits)
	}
	got := e.get(sub.ID)
	if !got.Cursor.Equal(t0) || got.Attempts != 0 {
		t.Errorf("after giving up: cursor %v attempts %d; want the window kept and attempts reset", got.Cursor, got.Attempts)
	}
	if want := mustTime("2026-11-28T07:00:00Z"); !got.NextDue.Equal(want) {
		t.Errorf("next due %v, want the next scheduled digest %v", got.NextDue, want)
	}
	results := rec.results()
	if len(results) != 3 || results[2] != "failed" || rec.list[2].Attempt != 3 {
		t.Errorf("delivery log %v (last attempt %d), want temporary, temporary, failed at attempt 3", results, rec.list[len(rec.list)-1].Attempt)
	}
	down = false
	e.clock.Set(mustTime("2026-11-28T07:00:03Z"))
	e.clock.Add(time.Second)
	e.ingest("s2", t0, "Japan")
	e.clock.Add(5 * time.Second)
	e.run()
	sent := e.ch.sent()
	if len(sent) != 1 || !contains(string(sent[0].Email.Text), "Headline s1") || !contains(string(sent[0].Email.Text), "Headline s2") {
		t.Fatalf("next digest: %d sent; want one carrying the kept story s1 and the new s2", len(sent))
	}
}

type memLog struct {
	mu   sync.Mutex
	list []digest.Delivery
}

func (m *memLog) Record(_ context.Context, d digest.Delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.list = append(m.list, d)
	return nil
}

func (m *memLog) results() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, d := range m.list {
		out = append(out, d.Result)
	}
	return out
}
