package app_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"herald/app"
	"herald/digest"
	"herald/internal/health"
	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/internal/smtptest"
	"herald/stories"
	"herald/subscribers"
)

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// newDueApp is an app with one email reader and one Slack team (by channel
// ID) due now with a story to send.
func newDueApp(t *testing.T, smtpAddr string) (*app.App, *settable.Clock, []*subscribers.Subscriber) {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	c := settable.New(time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC))
	cfg := app.DefaultConfig()
	cfg.RedisPrefix, cfg.Secret = prefix, "s"
	cfg.SMTPURL = "smtp://" + smtpAddr + "?tls=none"
	a, err := app.New(context.Background(), cfg, app.Options{RDB: rdb, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	a.RelayBackoff = health.Backoff{First: 10 * time.Millisecond, Max: 50 * time.Millisecond}
	ctx := context.Background()
	subs := []*subscribers.Subscriber{
		{Kind: subscribers.KindEmail, Email: "ann@example.com", TimeZone: "UTC", Schedule: "daily 07:00", Topics: []string{"japan"}},
		{Kind: subscribers.KindSlack, Name: "Desk", SlackChannel: "C0DESK001", TimeZone: "UTC", Schedule: "daily 07:00", Topics: []string{"japan"}},
	}
	for _, s := range subs {
		if err := a.Subs.Add(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	c.Set(c.Now().Add(time.Minute))
	if _, err := a.Ingest(ctx, &stories.Story{ID: "s1", URL: "https://news.example.com/s1", Headline: "H", Summary: "S",
		Topics: []stories.Topic{{Name: "Japan"}}, PublishedAt: c.Now()}); err != nil {
		t.Fatal(err)
	}
	c.Set(time.Date(2026, 11, 28, 7, 0, 5, 0, time.UTC))
	return a, c, subs
}

func stateOf(t *testing.T, a *app.App, prefix string) health.State {
	t.Helper()
	for _, s := range a.Health.Report(context.Background()) {
		if strings.HasPrefix(s.Name, prefix) {
			return s
		}
	}
	t.Fatalf("no %q dependency in %+v", prefix, a.Health.Report(context.Background()))
	return health.State{}
}

// The relay is down when the server opens its channels: they open all the
// same, the relay is reported down, the due digest is held (the reader stays
// active, no attempt counted), and once the relay answers the probe sees it
// and the held digest goes out once. The Slack team, with no token set, is
// held too, and stays active.
func TestRelayDownAtStartHoldsDigests(t *testing.T) {
	addr := freeAddr(t)
	a, c, subs := newDueApp(t, addr)
	ctx := context.Background()
	if _, err := a.OpenChannels(ctx); err == nil || !strings.Contains(err.Error(), "cannot reach SMTP server") {
		t.Fatalf("strict open (run --once) with the relay down: %v, want the clear start-up error", err)
	}
	chans, err := a.OpenServeChannels(ctx)
	if err != nil {
		t.Fatalf("serve channels with the relay down: %v", err)
	}
	defer chans.Close()
	if st := stateOf(t, a, "smtp "); st.State != health.StateDown || !strings.Contains(st.LastError, "cannot reach") {
		t.Fatalf("smtp state %+v, want down with the error", st)
	}
	if st := stateOf(t, a, "slack"); st.State != health.StateUnconfigured || !strings.Contains(st.LastError, "HERALD_SLACK_TOKEN") {
		t.Errorf("slack state %+v, want unconfigured naming HERALD_SLACK_TOKEN", st)
	}
	r := a.Runner(chans.ByKind)
	st, err := r.RunOnce(ctx)
	if err != nil || st.Held != 2 || st.Sent != 0 || st.Permanent != 0 || st.Temporary != 0 {
		t.Fatalf("run with relay down: %+v, %v; want both held", st, err)
	}
	for _, s := range subs {
		got, err := a.Subs.Get(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != subscribers.StatusActive || got.Attempts != 0 || got.NextDue.IsZero() {
			t.Errorf("%s after a channel outage: status %s, attempts %d, next due %v; want active, 0, due again",
				s.Kind, got.Status, got.Attempts, got.NextDue)
		}
	}

	sink := smtptest.Start(t, smtptest.WithAddr(addr))
	waitUp(t, a)
	c.Add(time.Hour) // past the hold
	st, err = r.RunOnce(ctx)
	if err != nil || st.Sent != 1 || sink.Count() != 1 {
		t.Fatalf("run after the relay came back: %+v, %v, %d messages; want the held digest sent once", st, err, sink.Count())
	}
}

// waitUp waits, bounded, for the relay's probe to find it back.
func waitUp(t *testing.T, a *app.App) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for stateOf(t, a, "smtp ").State != health.StateUp {
		if time.Now().After(deadline) {
			t.Fatalf("relay never reported up: %+v", stateOf(t, a, "smtp "))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var _ digest.Channel = (*gate)(nil)
