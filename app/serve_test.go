package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"herald/app"
	"herald/digest"
	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/stories"
	"herald/subscribers"
)

// gate is a channel whose Send blocks until released.
type gate struct {
	started chan string
	release chan struct{}
}

func (g *gate) Send(_ context.Context, msg *digest.Message) error {
	g.started <- msg.SubscriberID
	<-g.release
	return nil
}

// SIGTERM (the end of Serve's context) mid-dispatch: the send under way
// completes and is recorded, nothing new starts, Serve returns cleanly, and
// the unstarted digest is still due for the next run.
func TestServeShutdownFinishesInFlightSends(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	c := settable.New(time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC))
	cfg := app.DefaultConfig()
	cfg.RedisPrefix, cfg.Secret, cfg.HTTPAddr = prefix, "s", "127.0.0.1:0"
	cfg.Workers, cfg.Tick, cfg.ShutdownGrace = 1, "@every 1h", 10*time.Second
	a, err := app.New(context.Background(), cfg, app.Options{RDB: rdb, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var ids []string
	for _, addr := range []string{"a@example.com", "b@example.com"} {
		s := &subscribers.Subscriber{Kind: subscribers.KindEmail, Email: addr, TimeZone: "UTC", Schedule: "daily 07:00", Topics: []string{"japan"}}
		if err := a.Subs.Add(ctx, s); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	c.Set(c.Now().Add(time.Minute))
	if _, err := a.Ingest(ctx, &stories.Story{ID: "s1", URL: "https://news.example.com/s1", Headline: "H", Summary: "S",
		Topics: []stories.Topic{{Name: "Japan"}}, PublishedAt: c.Now()}); err != nil {
		t.Fatal(err)
	}
	c.Set(time.Date(2026, 11, 28, 7, 0, 5, 0, time.UTC))

	g := &gate{started: make(chan string, 2), release: make(chan struct{})}
	serveCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- a.Serve(serveCtx, map[subscribers.Kind]digest.Channel{subscribers.KindEmail: g}, http.NotFoundHandler(), nil)
	}()
	first := <-g.started // a send is in flight
	stop()               // SIGTERM
	select {
	case err := <-done:
		t.Fatalf("Serve returned with a send in flight: %v", err)
	case <-time.After(50 * time.Millisecond): // Serve must still be waiting; this only bounds the check
	}
	close(g.release)
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if len(g.started) != 0 {
		t.Errorf("a second send started after shutdown began")
	}
	sent, err := a.Subs.Get(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if !sent.Cursor.After(time.Date(2026, 11, 28, 6, 1, 0, 0, time.UTC)) {
		t.Errorf("in-flight send not recorded: cursor %v", sent.Cursor)
	}
	due, err := a.Subs.Claim(ctx, c.Now(), 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	other := ids[0]
	if other == first {
		other = ids[1]
	}
	if len(due) != 1 || due[0] != other {
		t.Errorf("due after shutdown: %v, want the unstarted %s", due, other)
	}
}
