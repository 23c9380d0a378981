package main

import (
	"bytes"
	"context"
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

	"herald/app"
	"herald/channels/outbox"
	"herald/digest"
	"herald/internal/settable"
	"herald/internal/shots"
	"herald/subscribers"
)

// demoRun is what one demo did, for its report.
type demoRun struct {
	stories int
	st      digest.Stats
	rec     *memRecorder
	now     time.Time
	where   string
}

// runDemo seeds the example data and runs one dispatch into the outbox.
func runDemo(ctx context.Context, a *app.App, clock *settable.Clock) (*demoRun, error) {
	run := &demoRun{now: clock.Now(), rec: &memRecorder{}}
	n, err := seedDemo(ctx, a, clock, run.now)
	if err != nil {
		return nil, err
	}
	run.stories = n
	chans, err := a.OpenChannels(ctx)
	if err != nil {
		return nil, err
	}
	r := a.Runner(chans.ByKind)
	r.Recorder = run.rec
	if run.st, err = r.RunOnce(ctx); err != nil {
		return nil, err
	}
	return run, nil
}

// report prints who got what and where the files are, then serves them
// when asked.
func (run *demoRun) report(ctx context.Context, a *app.App, df demoFlags, stdout io.Writer) error {
	abs, _ := filepath.Abs(df.out)
	fmt.Fprintf(stdout, "Herald demo: %d stories, %d subscribers (%s, outbox channel), dispatch at %s\n\n",
		run.stories, run.st.Claimed, run.where, run.now.Format(time.RFC3339))
	if a.DKIM != nil {
		printDKIM(stdout, a.DKIM, df.out)
	}
	if err := printDeliveries(ctx, a, run.rec, abs, stdout); err != nil {
		return err
	}
	showSlackPayload(run.rec, abs, stdout)
	st := run.st
	fmt.Fprintf(stdout, "\nsent %d, no stories %d, failed %d. Messages are in %s (emptied at each demo run)\n", st.Sent, st.Empty, st.Temporary+st.Permanent, abs)
	fmt.Fprintln(stdout, "(.eml files open in any mail client; .json files are Slack chat.postMessage payloads)")
	if df.shots != "" {
		if err := writeShots(ctx, a, run.rec, abs, df.shots, stdout); err != nil {
			return err
		}
		if err := writeConsoleShots(ctx, a, run, df.shots, stdout); err != nil {
			return err
		}
	}
	if df.serve == "" {
		fmt.Fprintf(stdout, "Look at them in a browser: go run ./cmd/herald demo --out %s --serve 127.0.0.1:8090\n", df.out)
		return nil
	}
	return serveOutbox(ctx, df.serve, df.out, stdout)
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
