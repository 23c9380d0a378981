package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/internal/redistest"
	"herald/internal/webhooks"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// receiver checks each request's Standard Webhooks signature on its own
// (from the spec, not the package's Sign), answers 503 to the first fails
// requests, and keeps the events it accepted.
type receiver struct {
	t      *testing.T
	secret string
	fails  int
	mu     sync.Mutex
	seen   int
	got    []received
}

type received struct {
	ID, Type, Key string
	N             int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id, ts, sig := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(rc.secret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(sig), []byte(want)) {
		rc.t.Errorf("bad signature %q on %s", sig, id)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if n, err := strconv.ParseInt(ts, 10, 64); err != nil || time.Since(time.Unix(n, 0)).Abs() > 5*time.Minute {
		rc.t.Errorf("webhook-timestamp %q is not now", ts)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.seen++; rc.seen <= rc.fails {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var ev struct {
		Type string `json:"type"`
		Data struct {
			Key string `json:"key"`
			N   int    `json:"n"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		rc.t.Errorf("body %s: %v", body, err)
	}
	rc.got = append(rc.got, received{ID: id, Type: ev.Type, Key: ev.Data.Key, N: ev.Data.N})
}

func (rc *receiver) events() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// An endpoint that fails the first 3 deliveries still sees every event
// once, each subscriber's in the order emitted, signed; events it did not
// ask for never reach it.
func TestDeliveryRetriesInOrder(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := webhooks.NewStore(rdb, prefix, 4, nil)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	rc := &receiver{t: t, fails: 3}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	ep, err := st.Add(ctx, srv.URL+"/hook", []string{webhooks.MessageSent, webhooks.SubscriberUnsubscribed})
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = ep.Secret
	keys := []string{"sub-a", "sub-b", "sub-c"}
	for n := range 5 {
		for _, k := range keys {
			if err := st.Emit(ctx, webhooks.MessageSent, k, map[string]any{"key": k, "n": n}); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.Emit(ctx, webhooks.StoryIngested, "story-1", map[string]any{"key": "story-1", "n": n}); err != nil {
			t.Fatal(err)
		}
	}
	d := &webhooks.Deliverer{Store: st, Client: srv.Client(), Poll: 5 * time.Millisecond, RetryMin: time.Millisecond, RetryMax: 10 * time.Millisecond}
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	waitFor(t, func() bool { return len(rc.events()) >= 15 })
	// The endpoint counts an event before its answer reaches the
	// deliverer, which then records it: wait for the record too.
	waitFor(t, func() bool {
		status, err := st.Status(context.Background(), ep.ID)
		return err == nil && status.Delivered >= 15
	})
	stop()
	<-done
	got := rc.events()
	if len(got) != 15 {
		t.Fatalf("endpoint accepted %d events, want 15: %+v", len(got), got)
	}
	ids := map[string]bool{}
	next := map[string]int{}
	for _, e := range got {
		if ids[e.ID] || e.Type != webhooks.MessageSent {
			t.Errorf("event %+v twice or of a type not asked for", e)
		}
		ids[e.ID] = true
		if e.N != next[e.Key] {
			t.Errorf("%s: event %d came when %d was next", e.Key, e.N, next[e.Key])
		}
		next[e.Key] = e.N + 1
	}
	status, err := st.Status(context.Background(), ep.ID)
	if err != nil || status.Delivered != 15 || status.Last != "200" || status.Error != "" {
		t.Errorf("status %+v, %v; want 15 delivered, last 200", status, err)
	}
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAddRefusesUnknownEvent(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := webhooks.NewStore(rdb, prefix, 4, nil)
	_, err := st.Add(context.Background(), "https://example.com/hook", []string{"message.sent", "message.opened"})
	if err == nil || !strings.Contains(err.Error(), `events: "message.opened"`) {
		t.Errorf("Add with an unknown event: %v", err)
	}
}

// Two processes delivering one outbox never double or reorder an
// endpoint's events: one of them holds its lease at a time.
func TestTwoDeliverersShareAnEndpoint(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := webhooks.NewStore(rdb, prefix, 2, nil)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	rc := &receiver{t: t, fails: 2}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	ep, err := st.Add(ctx, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = ep.Secret
	for n := range 20 {
		if err := st.Emit(ctx, webhooks.MessageSent, "sub-a", map[string]any{"key": "sub-a", "n": n}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for range 2 {
		d := &webhooks.Deliverer{Store: st, Client: srv.Client(), Poll: time.Millisecond, RetryMin: time.Millisecond, RetryMax: 2 * time.Millisecond}
		wg.Go(func() { d.Run(ctx) })
	}
	waitFor(t, func() bool { return len(rc.events()) >= 20 })
	stop()
	wg.Wait()
	got := rc.events()
	for i, e := range got {
		if e.N != i {
			t.Fatalf("event %d is n=%d: doubled or out of order: %+v", i, e.N, got)
		}
	}
	if len(got) != 20 {
		t.Errorf("endpoint accepted %d events, want 20", len(got))
	}
}

// With no endpoint, events are not kept: an instance without webhooks
// spends no memory on them.
func TestNoEndpointNoOutbox(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := webhooks.NewStore(rdb, prefix, 1, nil)
	if err := st.Emit(context.Background(), webhooks.MessageSent, "sub-a", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	if keys := redistest.Keys(t, rdb, prefix+"*"); len(keys) != 0 {
		t.Errorf("keys %q after an event with no endpoint, want none", keys)
	}
}
