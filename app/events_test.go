package app_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/app"
	"herald/digest"
	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/stories"
	"herald/subscribers"
)

type acceptAll struct{}

func (acceptAll) Send(context.Context, *digest.Message) error { return nil }

// hookReceiver answers 503 to its first fails requests, then keeps the
// event types of correctly signed requests.
type hookReceiver struct {
	mu     sync.Mutex
	secret string
	fails  int
	n      int
	types  []string
	bad    int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(h.secret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(r.Header.Get("webhook-id") + "." + r.Header.Get("webhook-timestamp") + "." + string(body)))
	if r.Header.Get("webhook-signature") != "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
		h.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if h.n++; h.n <= h.fails {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var ev struct{ Type string }
	_ = json.Unmarshal(body, &ev)
	h.types = append(h.types, ev.Type)
}

func (h *hookReceiver) got() ([]string, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.types...), h.bad
}

// Ingest and dispatch emit story.ingested and message.sent; an endpoint
// failing its first 3 deliveries gets both once, while a second endpoint
// that never answers holds up neither the dispatch nor the first.
func TestWebhookEventsFromDispatch(t *testing.T) {
	live := &hookReceiver{fails: 3}
	liveSrv := httptest.NewServer(live)
	defer liveSrv.Close()
	hang := make(chan struct{})
	deadSrv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-hang:
		}
	}))
	defer deadSrv.Close()
	defer close(hang) // before the server closes: it waits for its handlers

	rdb, prefix := redistest.Client(t)
	clock := settable.New(time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC))
	cfg := app.DefaultConfig()
	cfg.RedisPrefix, cfg.Secret = prefix, strings.Repeat("k", 32)
	cfg.WebhookHosts = strings.TrimPrefix(liveSrv.URL, "http://") + "," + strings.TrimPrefix(deadSrv.URL, "http://")
	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.Options{RDB: rdb, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{deadSrv.URL, liveSrv.URL} {
		if err := a.CheckEventURL(u); err != nil {
			t.Fatal(err)
		}
		ep, err := a.Events.Add(ctx, u, []string{"story.ingested", "message.sent"})
		if err != nil {
			t.Fatal(err)
		}
		live.mu.Lock()
		live.secret = ep.Secret // the live endpoint is added last
		live.mu.Unlock()
	}
	sub := &subscribers.Subscriber{Email: "ann@example.com", Schedule: "daily 07:00", Topics: []string{"japan"}}
	if err := a.Subs.Add(ctx, sub); err != nil {
		t.Fatal(err)
	}
	story := &stories.Story{ID: "s1", Headline: "Japan votes", Summary: "Japan votes.", URL: "https://news.example.com/s1",
		Topics: []stories.Topic{{Slug: "japan", Name: "Japan"}}, PublishedAt: clock.Now()}
	if _, err := a.Ingest(ctx, story); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, 11, 28, 7, 1, 0, 0, time.UTC))
	start := time.Now()
	st, err := a.Runner(map[subscribers.Kind]digest.Channel{subscribers.KindEmail: acceptAll{}}).RunOnce(ctx)
	if err != nil || st.Sent != 1 || time.Since(start) > 2*time.Second {
		t.Fatalf("dispatch: %+v, %v in %v; want one sent, fast", st, err, time.Since(start))
	}
	d := a.Deliverer()
	d.Poll, d.RetryMin, d.RetryMax = 5*time.Millisecond, time.Millisecond, 5*time.Millisecond
	d.Client.Timeout = 30 * time.Second
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { d.Run(runCtx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for types, _ := live.got(); len(types) < 2 && time.Now().Before(deadline); types, _ = live.got() {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	<-done
	types, bad := live.got()
	if strings.Join(types, ",") != "story.ingested,message.sent" && strings.Join(types, ",") != "message.sent,story.ingested" || bad != 0 {
		t.Errorf("the live endpoint got %q (%d badly signed), want story.ingested and message.sent once each", types, bad)
	}
}
