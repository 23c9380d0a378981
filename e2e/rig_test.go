package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/digest"
	"herald/internal/smtptest"
	"herald/stories"
	"herald/subscribers"
)

// prefix is the Redis key prefix of every scenario (each has its own
// redis-server).
const prefix = "e2e:"

// rig is one scenario's world: its redis-server, the SMTP sink, and the
// settings every herald process of the scenario gets.
type rig struct {
	t        *testing.T
	redis    *redisServer
	rdb      *redis.Client
	sink     *smtptest.Server
	smtpAddr string
	now      time.Time // the scenario's start: sign-ups an hour before, stories 45 minutes before
	extraEnv []string
}

// newRig starts a redis-server (durable: data survives a restart) and the
// SMTP sink.
func newRig(t *testing.T, durable bool) *rig {
	t.Helper()
	r := &rig{t: t, now: time.Now().UTC().Truncate(time.Millisecond)}
	r.redis = startRedis(t, durable)
	r.rdb = r.redis.Client()
	r.startSink()
	return r
}

// startSink starts the SMTP sink, on the previous sink's address when there
// was one (a sink coming back after being down).
func (r *rig) startSink() *smtptest.Server {
	opts := []smtptest.Option{smtptest.HeadersOnly()}
	if r.smtpAddr != "" {
		opts = append(opts, smtptest.WithAddr(r.smtpAddr))
	}
	r.sink = smtptest.Start(r.t, opts...)
	r.smtpAddr = r.sink.Addr()
	return r.sink
}

// env is a herald process's environment: this machine's, without any
// HERALD_* setting, plus the scenario's.
func (r *rig) env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HERALD_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"HERALD_REDIS_URL="+r.redis.URL(),
		"HERALD_REDIS_PREFIX="+prefix,
		"HERALD_SMTP_URL=smtp://"+r.smtpAddr+"?tls=none",
		"HERALD_FROM=Herald <herald@example.com>",
		"HERALD_SECRET=e2e-secret-0123456789abcdef0123456789abcdef",
		"HERALD_HTTP_ADDR=127.0.0.1:0",
		"HERALD_TICK=@every 1s",
		"HERALD_LEASE="+lease.String(),
		"HERALD_RETRY_DELAY="+retryDelay.String(),
		"HERALD_WORKERS="+strconv.Itoa(workers),
		"HERALD_BATCH_SIZE="+strconv.Itoa(batchSize),
		"HERALD_SMTP_POOL="+strconv.Itoa(workers),
		"HERALD_SHUTDOWN_GRACE="+grace.String(),
		"HERALD_LOG_LEVEL=info",
	)
	env = append(env, r.extraEnv...)
	return append(env, extra...) // later entries win
}

// herald starts a herald serve process and waits until it is up.
func (r *rig) herald(name string, extra ...string) *heraldProc {
	r.t.Helper()
	return startHerald(r.t, name, r.env(extra...))
}

// cli runs a herald command (not serve) against the scenario's Redis.
func (r *rig) cli(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, heraldBin, args...)
	cmd.Env = r.env()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// email is reader i's address.
func email(i int) string { return fmt.Sprintf("reader%04d@example.com", i) }

// seedReaders adds n email readers following "japan", signed up an hour
// before r.now with a daily slot half an hour before r.now: all due at once.
// It returns their addresses, index i at i.
func (r *rig) seedReaders(n int) []string {
	r.t.Helper()
	return r.addReaders(n, r.now.Add(-30*time.Minute))
}

// seedReadersLater adds readers like seedReaders, but with their daily slot
// six hours ahead: not due until markDue.
func (r *rig) seedReadersLater(n int) []string {
	r.t.Helper()
	return r.addReaders(n, r.now.Add(6*time.Hour))
}

// markDue makes the readers due now, as an operator's "send now" or an
// instant alert does.
func (r *rig) markDue(addrs []string) {
	r.t.Helper()
	st := subscribers.NewStore(r.rdb, prefix, nil)
	ids := r.idsByEmail(addrs)
	var wg sync.WaitGroup
	errs := make(chan error, len(addrs))
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(addrs); i += 8 {
				if err := st.MarkDue(context.Background(), ids[addrs[i]], r.now.Add(-time.Minute)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		r.t.Fatalf("mark due: %v", err)
	}
}

// addReaders adds n readers signed up an hour before r.now with a daily
// slot at the time of day of slot (UTC).
func (r *rig) addReaders(n int, slot time.Time) []string {
	r.t.Helper()
	signup := r.now.Add(-time.Hour)
	st := subscribers.NewStore(r.rdb, prefix, func() time.Time { return signup })
	schedule := "daily " + slot.Format("15:04")
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = email(i)
	}
	r.parallelAdd(st, n, func(i int) *subscribers.Subscriber {
		return &subscribers.Subscriber{Kind: subscribers.KindEmail, Email: addrs[i], Name: fmt.Sprintf("Reader %d", i),
			TimeZone: "UTC", Schedule: schedule, Status: subscribers.StatusActive, Topics: []string{"japan"}}
	})
	return addrs
}

// parallelAdd adds n subscribers made by mk, eight at a time.
func (r *rig) parallelAdd(st *subscribers.Store, n int, mk func(i int) *subscribers.Subscriber) {
	r.t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := st.Add(context.Background(), mk(i)); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		r.t.Fatalf("seed subscriber: %v", err)
	}
}

// seedStories stores n stories on topic, ingested 45 minutes before r.now
// (inside every seeded subscriber's window) and published a minute apart,
// story 0 first. It returns their headlines.
func (r *rig) seedStories(topic string, n int) []string {
	r.t.Helper()
	ingest := r.now.Add(-45 * time.Minute)
	st := stories.NewStore(r.rdb, prefix, stories.Options{Now: func() time.Time { return ingest }})
	slug := strings.ToLower(strings.ReplaceAll(topic, " ", "-"))
	heads := make([]string, n)
	for i := range heads {
		heads[i] = fmt.Sprintf("%s story %d of %d", topic, i+1, n)
		s := &stories.Story{
			ID: fmt.Sprintf("%s-%d", slug, i), URL: fmt.Sprintf("https://news.example.com/%s/%d", slug, i),
			Headline: heads[i], Summary: "What's happened in " + topic + ".",
			Topics:      []stories.Topic{{Slug: slug, Name: topic}},
			PublishedAt: r.now.Add(-2*time.Hour + time.Duration(i)*time.Minute),
		}
		if _, err := st.Put(context.Background(), s); err != nil {
			r.t.Fatalf("seed story: %v", err)
		}
	}
	return heads
}

// subscriber reads one subscriber by email address.
func (r *rig) subscriber(addr string) *subscribers.Subscriber {
	r.t.Helper()
	sub, err := subscribers.NewStore(r.rdb, prefix, nil).GetByEmail(context.Background(), addr)
	if err != nil {
		r.t.Fatalf("get %s: %v", addr, err)
	}
	return sub
}

// pending is how many due-set entries fall within the next ten minutes:
// subscribers due, claimed (their lease end) or waiting to retry. Zero
// means every seeded subscriber was settled: sent (next due tomorrow),
// bounced or failed (out of the due set).
func (r *rig) pending(ctx context.Context) (int64, error) {
	n, _, err := subscribers.NewStore(r.rdb, prefix, nil).Backlog(ctx, time.Now().Add(10*time.Minute))
	return n, err
}

// waitSettled waits until nothing is pending, failing after limit.
func (r *rig) waitSettled(limit time.Duration) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var left int64 = -1
	err := poll(ctx, func() bool {
		n, err := r.pending(ctx)
		if err == nil {
			left = n
		}
		return err == nil && n == 0
	})
	if err != nil {
		r.t.Fatalf("dispatch did not settle within %v: %d subscribers still due or leased, sink has %d messages", limit, left, r.sink.Count())
	}
}

// deliveries reads the whole delivery log (every shard).
func (r *rig) deliveries() []digest.Delivery {
	r.t.Helper()
	ds, err := digest.NewRedisLog(r.rdb, prefix, 0, 0).Find(context.Background(), digest.Query{Limit: 1 << 30, Scan: 1 << 40})
	if err != nil {
		r.t.Fatalf("read delivery log: %v", err)
	}
	return ds
}

// idsByEmail maps the seeded readers' addresses to subscriber IDs.
func (r *rig) idsByEmail(addrs []string) map[string]string {
	r.t.Helper()
	out := make(map[string]string, len(addrs))
	for _, a := range addrs {
		out[a] = r.subscriber(a).ID
	}
	return out
}
