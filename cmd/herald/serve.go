package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"herald/app"
	"herald/digest"
	"herald/subscribers"
	"herald/web"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := newFlags("serve", stderr)
	if err := parse(fs, cfg, args); err != nil {
		return err
	}
	a, chans, err := openDispatcher(ctx, cfg, stderr, (*app.App).OpenServeChannels)
	if err != nil {
		return err
	}
	defer a.Close()
	defer chans.Close()
	return a.Serve(ctx, chans.ByKind, web.New(webDeps(a, chans)), nil)
}

// openDispatcher opens what sending needs: the stores and the channels.
// Links in messages are signed, so the secret must be set.
func openDispatcher(ctx context.Context, cfg *app.Config, stderr io.Writer,
	open func(*app.App, context.Context) (*app.Channels, error)) (*app.App, *app.Channels, error) {
	if cfg.Secret == "" {
		return nil, nil, app.ErrNoSecret
	}
	if err := cfg.CheckSecrets(); err != nil {
		return nil, nil, err
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return nil, nil, err
	}
	chans, err := open(a, ctx)
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	return a, chans, nil
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := newFlags("run", stderr)
	once := fs.Bool("once", false, "dispatch what is due now, then exit")
	if err := parse(fs, cfg, args); err != nil {
		return err
	}
	if !*once {
		return errors.New("usage: herald run --once (for a long-running service use 'herald serve')")
	}
	a, chans, err := openDispatcher(ctx, cfg, stderr, (*app.App).OpenChannels)
	if err != nil {
		return err
	}
	defer a.Close()
	defer chans.Close()
	r := a.Runner(chans.ByKind)
	line := newProgress(stderr, "dispatch")
	r.Progress = func(st digest.Stats) { line.status(st) }
	st, err := r.RunOnce(ctx)
	line.done()
	fmt.Fprintf(stdout, "dispatch: claimed %d, sent %d, no stories %d, skipped %d, retry later %d, failed %d, held %d\n",
		st.Claimed, st.Sent, st.Empty, st.Skipped, st.Temporary, st.Permanent, st.Held)
	return err
}

// webDeps wires the HTTP server to the app. It wraps every channel in
// chans.ByKind, in place, with the metrics' counting channel, so the
// scheduler's runner (which a.Serve builds from the same map) and POST
// /v1/dispatch both count their sends in /metrics. Confirmation emails go
// through the unwrapped email channel: they are not digests.
func webDeps(a *app.App, chans *app.Channels) web.Deps {
	metrics := web.NewMetrics()
	email := chans.ByKind[subscribers.KindEmail]
	for kind, ch := range chans.ByKind {
		chans.ByKind[kind] = metrics.Channel(string(kind), ch)
	}
	d := web.Deps{
		RDB: a.RDB, Stories: a.Stories, Subs: a.Subs,
		Secret: []byte(a.Cfg.Secret), APIToken: a.Cfg.APIToken, BaseURL: a.Cfg.BaseURL,
		Ingest:  a.Ingest,
		Preview: a.Preview, WebVersion: a.WebVersion,
		Dispatch: func(ctx context.Context) (digest.Stats, error) {
			return a.Runner(chans.ByKind).RunOnce(ctx)
		},
		Metrics: metrics, Health: a.Health, BounceThreshold: a.Cfg.BounceThreshold,
		Now: a.Now, Logger: a.Logger,
	}
	if email != nil { // no email channel: no sign-up page, no "confirm" in the API
		d.SendConfirmation = func(ctx context.Context, sub *subscribers.Subscriber, confirmURL string) error {
			body, err := web.ConfirmationEmail(sub, confirmURL)
			if err != nil {
				return err
			}
			now := a.Now()
			return email.Send(ctx, &digest.Message{
				ID:           "confirm-" + sub.ID + "-" + strconv.FormatInt(now.UnixMilli(), 10),
				SubscriberID: sub.ID, Kind: subscribers.KindEmail, Date: now,
				To: digest.Address{Name: sub.Name, Email: sub.Email}, Email: body,
			})
		}
	}
	return d
}
