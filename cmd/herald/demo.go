package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"herald/app"
	"herald/examples"
	"herald/internal/settable"
	"herald/stories"
	"herald/subscribers"
)

// demoFlags are the flags of "demo".
type demoFlags struct {
	out, serve string
	shots      string // folder for screenshots of the richest digest
	realRedis  bool   // --redis-url was given on the command line
	prefixSet  bool   // so was --redis-prefix
}

func newDemoCmd(cfg *app.Config) *cobra.Command {
	var df demoFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline on built-in data, no servers needed",
		Long: `Run the whole pipeline on the example stories and subscribers and write
every message to a fresh folder: .eml files as SMTP would carry them and
.json Slack payloads. The folder is emptied first if an earlier demo made
it; any other existing, non-empty folder is refused.

By default the demo runs on an embedded Redis and reads no HERALD_* config
variable: it needs nothing outside. Given --redis-url on the command line it
runs the same demo against that Redis, under a fresh key prefix (or the
--redis-prefix given), and leaves the keys there to look at.`,
		Example: `  herald demo
  herald demo --serve 127.0.0.1:8090
  herald demo --redis-url redis://127.0.0.1:6379/15 --out demo-real`,
		Annotations: map[string]string{noConfigEnv: "true"},
		Args:        cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			df.realRedis = cmd.Flags().Changed("redis-url")
			df.prefixSet = cmd.Flags().Changed("redis-prefix")
			return demo(cmd.Context(), cfg, df, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&df.out, "out", "demo-outbox", "folder the messages are written to (emptied first if an earlier demo made it)")
	cmd.Flags().StringVar(&df.shots, "screenshots", "", "after the run, write screenshots of the richest digest (600/375 px, light/dark) and its web version here (needs /usr/bin/chromium)")
	cmd.Flags().StringVar(&df.serve, "serve", "", "after the run, serve the outbox as web pages on this address (e.g. 127.0.0.1:8090)")
	return cmd
}

// demoMarker marks a folder the demo made, so a later run may empty it.
const demoMarker = ".herald-demo"

// freshDir makes dir an empty folder the demo owns.
func freshDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("demo: --out %s: %w", dir, err)
	case len(entries) > 0:
		if _, merr := os.Stat(filepath.Join(dir, demoMarker)); merr != nil {
			return fmt.Errorf("demo: --out %s exists and was not made by the demo; choose another folder", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("demo: empty %s: %w", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: --out %s: %w", dir, err)
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by herald demo; emptied by the next run\n"), 0o644)
}

// demoRedis is the embedded store, or the Redis named by --redis-url with
// a fresh prefix; close releases it. where says which, for the output.
func demoRedis(ctx context.Context, cfg *app.Config, df demoFlags) (rdb redis.UniversalClient, where string, close func(), err error) {
	if !df.realRedis {
		mr, err := miniredis.Run()
		if err != nil {
			return nil, "", nil, fmt.Errorf("demo: embedded redis: %w", err)
		}
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		return rdb, "embedded Redis", func() { rdb.Close(); mr.Close() }, nil
	}
	if rdb, err = app.OpenRedis(ctx, cfg.RedisURL); err != nil {
		return nil, "", nil, err
	}
	if !df.prefixSet {
		cfg.RedisPrefix = "herald-demo-" + randomHex(4) + ":"
	}
	return rdb, fmt.Sprintf("Redis at %s, keys under %q", app.RedactURL(cfg.RedisURL), cfg.RedisPrefix), func() { rdb.Close() }, nil
}

// demoConfig is the demo's own configuration.
func demoConfig(cfg *app.Config, dir string) {
	cfg.Secret = randomHex(32)
	cfg.Outbox = dir
	// Links point where a deployment's pages would be; the demo's embedded
	// store ends with the run, so they are for looking at.
	cfg.BaseURL = "https://herald.example.com"
	cfg.UnsubMailto = "unsubscribe@news.example.com"
	cfg.From = "Herald News <digest@news.example.com>"
}

func demo(ctx context.Context, cfg *app.Config, df demoFlags, stdout, stderr io.Writer) error {
	if err := freshDir(df.out); err != nil {
		return err
	}
	rdb, where, closeRedis, err := demoRedis(ctx, cfg, df)
	if err != nil {
		return err
	}
	defer closeRedis()
	demoConfig(cfg, df.out)
	signer, err := demoDKIM(df.out, cfg.SigningDomain(), cfg.DKIMSelector)
	if err != nil {
		return err
	}
	feed := startDemoFeed()
	defer feed.Close()
	cfg.FeedHosts = strings.TrimPrefix(feed.URL, "http://")
	// Subscribers sign up a week ago, stories land over the last day, and the
	// dispatch runs now: the demo moves its clock through that history.
	clock := settable.New(time.Now().UTC().Truncate(time.Second))
	a, err := app.New(ctx, *cfg, app.Options{RDB: rdb, Now: clock.Now, Logger: newLogger("warn", stderr), DKIM: signer})
	if err != nil {
		return err
	}
	run, err := runDemo(ctx, a, clock)
	if err != nil {
		return err
	}
	run.where = where
	fmt.Fprint(stdout, describeDemoFeed(ctx, a))
	return run.report(ctx, a, df, stdout)
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
	clock.Set(now.Add(-30 * time.Minute))
	if err := ingestDemoFeed(ctx, a); err != nil {
		return 0, err
	}
	clock.Set(now)
	return len(list) + 1, nil
}

func demoTeams() []*subscribers.Subscriber {
	return []*subscribers.Subscriber{
		{Kind: subscribers.KindSlack, Name: "Asia desk", SlackChannel: "C0ASIADESK", TimeZone: "Asia/Tokyo",
			Schedule: "daily 09:00", Topics: []string{"japan", "south-korea", "china"}},
		{Kind: subscribers.KindSlack, Name: "Washington alerts", SlackChannel: "C0USALERTS", TimeZone: "America/New_York",
			Schedule: "instant", Topics: []string{"united-states"}},
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
