package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/keylease"
)

// Deliverer defaults.
const (
	DefaultPoll     = time.Second
	DefaultRetryMin = time.Second
	DefaultRetryMax = 10 * time.Minute
	DefaultTimeout  = 10 * time.Second
	DefaultLease    = 30 * time.Second
	readBatch       = 100
)

// Deliverer posts the outbox's events to the endpoints.
type Deliverer struct {
	Store  *Store
	Client *http.Client // the egress policy's client; it times each request out
	// Check refuses an endpoint URL the host policy does not allow.
	Check  func(raw string) error
	Logger *slog.Logger
	// Poll is how often the outbox is looked at when there is nothing to
	// send; RetryMin and RetryMax bound the backoff of a failed event.
	Poll, RetryMin, RetryMax, Lease time.Duration

	owner string
	mu    sync.Mutex
	busy  map[string]bool // endpoints this process works now
}

func (d *Deliverer) defaults() {
	if d.Poll <= 0 {
		d.Poll = DefaultPoll
	}
	if d.RetryMin <= 0 {
		d.RetryMin = DefaultRetryMin
	}
	if d.RetryMax <= 0 {
		d.RetryMax = DefaultRetryMax
	}
	if d.Lease <= 0 {
		d.Lease = DefaultLease
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Client == nil {
		d.Client = &http.Client{Timeout: DefaultTimeout}
	}
	d.owner, d.busy = newID("p_"), map[string]bool{}
}

// Run works every endpoint until ctx ends, each in a goroutine of its own,
// and returns once they have stopped.
func (d *Deliverer) Run(ctx context.Context) {
	d.defaults()
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTicker(d.Poll)
	defer t.Stop()
	for {
		eps, err := d.Store.List(ctx)
		if err != nil && ctx.Err() == nil {
			d.Logger.Warn("webhooks: list endpoints", slog.Any("error", err))
		}
		for _, ep := range eps {
			if d.claim(ep.ID) {
				wg.Go(func() { defer d.release(ep.ID); d.work(ctx, ep) })
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (d *Deliverer) claim(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.busy[id] {
		return false
	}
	d.busy[id] = true
	return true
}

func (d *Deliverer) release(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.busy, id)
}

// work delivers ep's events while this process holds ep's lease and
// there are events; it returns when the outbox is drained or ctx ends.
func (d *Deliverer) work(ctx context.Context, ep *Endpoint) {
	if !d.lease(ctx, ep.ID) {
		return
	}
	defer keylease.Release(context.WithoutCancel(ctx), d.Store.rdb, d.Store.leaseKey(ep.ID), d.owner)
	for i := range d.Store.shards {
		if err := d.drainShard(ctx, ep, i); err != nil {
			return
		}
	}
}

// lease takes or renews ep's lease for this process.
func (d *Deliverer) lease(ctx context.Context, id string) bool {
	ok, err := keylease.Hold(ctx, d.Store.rdb, d.Store.leaseKey(id), d.owner, d.Lease)
	return err == nil && ok
}

// drainShard delivers ep's events of shard i after its cursor, in order.
func (d *Deliverer) drainShard(ctx context.Context, ep *Endpoint, i int) error {
	for {
		cursor, err := d.Store.rdb.Get(ctx, d.Store.cursorKey(ep.ID, i)).Result()
		if errors.Is(err, redis.Nil) {
			cursor = "0-0"
		} else if err != nil {
			return err
		}
		msgs, err := d.Store.rdb.XRangeN(ctx, d.Store.outboxKey(i), "("+cursor, "+", readBatch).Result()
		if err != nil || len(msgs) == 0 {
			return err
		}
		for _, m := range msgs {
			if err := d.deliverOne(ctx, ep, i, m); err != nil {
				return err
			}
		}
	}
}

// deliverOne posts m until ep accepts it (or ctx ends), then moves the
// cursor past it. An event ep does not want moves the cursor at once.
func (d *Deliverer) deliverOne(ctx context.Context, ep *Endpoint, i int, m redis.XMessage) error {
	typ, _ := m.Values["type"].(string)
	for attempt := 0; ep.Wants(typ); attempt++ {
		if !d.lease(ctx, ep.ID) {
			return errors.New("webhooks: lease lost")
		}
		code, err := d.post(ctx, ep, m)
		if err != nil && ctx.Err() != nil {
			return ctx.Err() // stopping: not the endpoint's failure
		}
		// Accepted: recorded and passed even when stopping meanwhile, so
		// the event is not posted again after a restart.
		d.record(context.WithoutCancel(ctx), ep.ID, code, err)
		if err == nil {
			break
		}
		if werr := d.wait(ctx, ep.ID, attempt); werr != nil {
			return werr
		}
	}
	return d.Store.rdb.Set(context.WithoutCancel(ctx), d.Store.cursorKey(ep.ID, i), m.ID, 0).Err()
}

// wait is the backoff after failed attempt n (0-based): RetryMin doubled
// n times, at most RetryMax. It keeps ep's lease meanwhile, so no other
// process takes the endpoint over mid-backoff.
func (d *Deliverer) wait(ctx context.Context, id string, n int) error {
	delay := d.RetryMin << min(n, 30)
	if delay <= 0 || delay > d.RetryMax {
		delay = d.RetryMax
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	renew := time.NewTicker(d.Lease / 3)
	defer renew.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		case <-renew.C:
			if !d.lease(ctx, id) {
				return errors.New("webhooks: lease lost")
			}
		}
	}
}

// post sends m to ep, signed, and returns the status ep answered; the
// error is nil for a 2xx.
func (d *Deliverer) post(ctx context.Context, ep *Endpoint, m redis.XMessage) (int, error) {
	if d.Check != nil {
		if err := d.Check(ep.URL); err != nil {
			return 0, err
		}
	}
	id, _ := m.Values["id"].(string)
	body, _ := m.Values["body"].(string)
	ts := d.Store.now().Unix()
	sig, err := Sign(ep.Secret, id, ts, []byte(body))
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, errors.New("webhooks: the endpoint URL is not valid")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := d.Client.Do(req)
	if err != nil {
		return 0, redact(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("webhooks: endpoint answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// redact drops the URL (a credential, perhaps) from a client error.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("webhooks: %s: %w", ue.Op, ue.Err)
	}
	return err
}

// record writes the attempt's outcome (the status answered, 0 for none)
// into ep's status.
func (d *Deliverer) record(ctx context.Context, id string, code int, err error) {
	key, now := d.Store.statusKey(id), strconv.FormatInt(d.Store.now().UnixMilli(), 10)
	last, msg := "error", ""
	if code != 0 {
		last = strconv.Itoa(code)
	}
	if err != nil {
		msg = err.Error()
	}
	_, _ = d.Store.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, "last", last, "error", msg, "at", now)
		if err == nil {
			p.HIncrBy(ctx, key, "delivered", 1)
		}
		return nil
	})
	if err != nil {
		d.Logger.Warn("webhooks: delivery failed; retrying", slog.String("endpoint", id), slog.Any("error", err))
	}
}

func parseInt(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
