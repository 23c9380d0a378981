package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"herald/app"
	"herald/channels/outbox"
	"herald/digest"
	"herald/examples"
	"herald/internal/settable"
	"herald/internal/shots"
	"herald/stories"
	"herald/subscribers"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := newFlags("demo", stderr)
	out := fs.String("out", "demo-outbox", "folder the messages are written to")
	serve := fs.String("serve", "", "after the run, serve the outbox as web pages on this address (e.g. 127.0.0.1:8090)")
	shotsDir := fs.String("screenshots", "", "after the run, write screenshots of the richest digest (600/375 px, light/dark) and its web version here (needs /usr/bin/chromium)")
	if err := fs.Parse(args); err != nil { // the demo ignores HERALD_* on purpose: it needs nothing outside
		return err
	}
	mr, err := miniredis.Run()
	if err != nil {
		return fmt.Errorf("demo: embedded redis: %w", err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()

	cfg.Secret = randomHex(32)
	cfg.Outbox = *out
	// Links point where a deployment's pages would be; the demo's embedded
	// store ends with the run, so they are for looking at.
	cfg.BaseURL = "https://herald.example.com"
	cfg.UnsubMailto = "unsubscribe@news.example.com"
	cfg.From = "Herald News <digest@news.example.com>"
	// Subscribers sign up a week ago, stories land over the last day, and the
	// dispatch runs now: the demo moves its clock through that history.
	clock := settable.New(time.Now().UTC().Truncate(time.Second))
	now := clock.Now()
	a, err := app.New(ctx, *cfg, app.Options{RDB: rdb, Now: clock.Now, Logger: newLogger("warn", stderr)})
	if err != nil {
		return err
	}
	nStories, err := seedDemo(ctx, a, clock, now)
	if err != nil {
		return err
	}
	chans, err := a.OpenChannels(ctx)
	if err != nil {
		return err
	}
	rec := &memRecorder{}
	r := a.Runner(chans.ByKind)
	r.Recorder = rec
	st, err := r.RunOnce(ctx)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(*out)
	fmt.Fprintf(stdout, "Herald demo: %d stories, %d subscribers (embedded Redis, outbox channel), dispatch at %s\n\n",
		nStories, st.Claimed, now.Format(time.RFC3339))
	if err := printDeliveries(ctx, a, rec, abs, stdout); err != nil {
		return err
	}
	showSlackPayload(rec, abs, stdout)
	fmt.Fprintf(stdout, "\nsent %d, no stories %d, failed %d. Messages are in %s\n", st.Sent, st.Empty, st.Temporary+st.Permanent, abs)
	fmt.Fprintln(stdout, "(.eml files open in any mail client; .json files are Slack chat.postMessage payloads)")
	if *shotsDir != "" {
		if err := writeShots(ctx, a, rec, abs, *shotsDir, stdout); err != nil {
			return err
		}
	}
	if *serve == "" {
		fmt.Fprintln(stdout, "Look at them in a browser: go run ./cmd/herald demo --serve 127.0.0.1:8090")
		return nil
	}
	return serveOutbox(ctx, *serve, *out, stdout)
}

// seedDemo loads the example data: readers and teams sign up eight days
// ago, the stories land over the last twenty hours.
func seedDemo(ctx context.Context, a *app.App, clock *settable.Clock, now time.Time) (int, error) {
	clock.Set(now.Add(-8 * 24 * time.Hour))
	res, err := subscribers.ImportCSV(ctx, a.Subs, bytes.NewReader(examples.SubscribersCSV()), nil)
	if err != nil {
		return 0, fmt.Errorf("demo: subscribers: %w", err)
	}
	if len(res.Errors) > 0 {
		return 0, fmt.Errorf("demo: subscribers: %v", res.Errors[0])
	}
	for _, t := range demoTeams() {
		if err := a.Subs.Add(ctx, t); err != nil {
			return 0, fmt.Errorf("demo: team: %w", err)
		}
	}
	list, err := stories.Parse(bytes.NewReader(examples.Stories()))
	if err != nil {
		return 0, fmt.Errorf("demo: stories: %w", err)
	}
	for i, st := range list {
		clock.Set(now.Add(-20*time.Hour + time.Duration(i)*19*time.Hour/time.Duration(len(list))))
		if _, err := a.Ingest(ctx, st); err != nil {
			return 0, fmt.Errorf("demo: story %s: %w", st.ID, err)
		}
	}
	clock.Set(now)
	return len(list), nil
}

func demoTeams() []*subscribers.Subscriber {
	return []*subscribers.Subscriber{
		{Kind: subscribers.KindSlack, Name: "Asia desk", SlackChannel: "C0ASIADESK", TimeZone: "Asia/Tokyo",
			Schedule: "daily 09:00", Topics: []string{"japan", "south-korea", "china"}},
		{Kind: subscribers.KindSlack, Name: "Washington alerts", SlackChannel: "C0USALERTS", TimeZone: "America/New_York",
			Schedule: "instant", Topics: []string{"united-states"}},
	}
}

// memRecorder keeps the demo's deliveries for its table.
type memRecorder struct {
	mu   sync.Mutex
	list []digest.Delivery
}

func (m *memRecorder) Record(_ context.Context, d digest.Delivery) error {
	m.mu.Lock()
	m.list = append(m.list, d)
	m.mu.Unlock()
	return nil
}

func printDeliveries(ctx context.Context, a *app.App, rec *memRecorder, dir string, stdout io.Writer) error {
	subs, _, err := a.Subs.List(ctx, "", 1000)
	if err != nil {
		return err
	}
	byID := make(map[string]*subscribers.Subscriber, len(subs))
	for _, s := range subs {
		byID[s.ID] = s
	}
	sort.Slice(rec.list, func(i, j int) bool { return rec.list[i].SubscriberID < rec.list[j].SubscriberID })
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHO\tTIME ZONE\tSCHEDULE\tFOLLOWS\tSTORIES\tFILE")
	for _, d := range rec.list {
		s := byID[d.SubscriberID]
		if s == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", destination(s), s.TimeZone, s.Schedule,
			strings.Join(s.Topics, ","), d.Stories, outboxFile(dir, d))
	}
	return tw.Flush()
}

// writeShots screenshots the email of the delivery with the most stories.
func writeShots(ctx context.Context, a *app.App, rec *memRecorder, dir, shotsDir string, stdout io.Writer) error {
	var best *digest.Delivery
	for i, d := range rec.list {
		if d.Channel == string(subscribers.KindEmail) && d.Result == "sent" && (best == nil || d.Stories > best.Stories) {
			best = &rec.list[i]
		}
	}
	if best == nil {
		return fmt.Errorf("demo: no email to screenshot")
	}
	paths, err := shots.Demo(ctx, shotsDir, filepath.Join(dir, best.SubscriberID+"-"+best.MessageID+".eml"), a.WebVersion)
	for _, p := range paths {
		fmt.Fprintln(stdout, "screenshot:", p)
	}
	return err
}

func outboxFile(dir string, d digest.Delivery) string {
	if d.Result != "sent" {
		return "(" + d.Result + ")"
	}
	ext := ".eml"
	if d.Channel == string(subscribers.KindSlack) {
		ext = ".json"
	}
	return filepath.Join(filepath.Base(dir), d.SubscriberID+"-"+d.MessageID+ext)
}

func serveOutbox(ctx context.Context, addr, dir string, stdout io.Writer) error {
	srv := &http.Server{Addr: addr, Handler: outbox.Viewer(dir), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "Serving the outbox on http://%s/ (Ctrl-C to stop)\n", addr)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	slog.Debug("outbox viewer stopped")
	return nil
}

// showSlackPayload prints the first Slack message of the team digest, as
// chat.postMessage would receive it.
func showSlackPayload(rec *memRecorder, dir string, stdout io.Writer) {
	for _, d := range rec.list {
		if d.Channel != string(subscribers.KindSlack) || d.Result != "sent" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, d.SubscriberID+"-"+d.MessageID+".json"))
		if err != nil {
			return
		}
		var payloads []json.RawMessage
		if json.Unmarshal(b, &payloads) != nil || len(payloads) == 0 {
			return
		}
		var out bytes.Buffer
		_ = json.Indent(&out, payloads[0], "", "  ")
		fmt.Fprintf(stdout, "\nSlack payload (1 of %d) in %s:\n%s\n", len(payloads), filepath.Base(dir)+"/"+d.SubscriberID+"-"+d.MessageID+".json", out.String())
		return
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
