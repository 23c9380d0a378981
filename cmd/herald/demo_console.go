package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"herald/app"
	"herald/internal/shots"
	"herald/web"
)

// demoOperator is whom the demo's console screenshots are signed in as.
const demoOperator = "demo@herald.example"

// writeConsoleShots serves the console over the demo's data and writes
// screenshots of its dashboard and of the richest subscriber's page into
// dir. The run's deliveries go into the (embedded) delivery log first, so
// the dashboard shows them; a demo operator with a random
// password is signed in directly.
func writeConsoleShots(ctx context.Context, a *app.App, run *demoRun, dir string, stdout io.Writer) error {
	for _, d := range run.rec.list {
		if err := a.Log.Record(ctx, d); err != nil {
			return err
		}
	}
	a.RecordRun(ctx, run.now, run.st)
	base, stop, err := serveConsole(a)
	if err != nil {
		return err
	}
	defer stop()
	if _, err := a.Operators.Add(ctx, demoOperator, randomHex(16)); err != nil {
		return err
	}
	token, err := a.Operators.StartSession(ctx, demoOperator, time.Hour)
	if err != nil {
		return err
	}
	paths, err := shots.Pages(shots.Chromium, dir, shots.Cookie{Name: "herald_admin", Value: token, URL: base + "/admin/"},
		[]shots.Page{{Name: "console-dashboard", URL: base + "/admin/"},
			{Name: "console-subscriber", URL: base + "/admin/subscribers/" + url.PathEscape(richest(run))}})
	for _, p := range paths {
		fmt.Fprintln(stdout, "screenshot:", p)
	}
	return err
}

// richest is the subscriber whose delivery had the most stories.
func richest(run *demoRun) string {
	id, most := "", -1
	for _, d := range run.rec.list {
		if d.Stories > most {
			id, most = d.SubscriberID, d.Stories
		}
	}
	return id
}

// serveConsole serves the app's console on a free local port.
func serveConsole(a *app.App) (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	h := web.New(web.Deps{RDB: a.RDB, Stories: a.Stories, Subs: a.Subs, Secret: []byte(a.Cfg.Secret),
		KeyPrefix: a.Cfg.RedisPrefix, Operators: a.Operators, Health: a.Health, Preview: a.Preview,
		Console: web.ConsoleDeps{Deliveries: a.Log, LastTick: a.LastTick, EmptySince: a.EmptySince, EmptyByChannel: a.EmptyByChannel},
		Now:     a.Now, Logger: a.Logger})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Logger.Warn("demo console", slog.Any("error", err))
		}
	}()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}
