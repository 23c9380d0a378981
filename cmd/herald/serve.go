package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/digest"
	"herald/internal/ratelimit"
	"herald/subscribers"
	"herald/web"
)

func newServeCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the scheduler, workers and HTTP server",
		Long: `Run the dispatch tick, the workers and the HTTP server (admin API, reader
pages, health, metrics) until SIGTERM, which lets in-flight sends finish.`,
		Example: `  HERALD_SECRET_FILE=.secrets/herald_secret herald serve --http-addr 127.0.0.1:8080`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), cfg, cmd.ErrOrStderr())
		},
	}
}

func serve(ctx context.Context, cfg *app.Config, stderr io.Writer) error {
	a, chans, err := openDispatcher(ctx, cfg, stderr, (*app.App).OpenServeChannels)
	if err != nil {
		return err
	}
	defer a.Close()
	defer chans.Close()
	d, err := webDeps(a, chans)
	if err != nil {
		return err
	}
	srv := web.New(d)
	return a.Serve(ctx, chans.ByKind, srv, nil, srv.RunSignups, srv.RunSlackResponses, a.Deliverer().Run)
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
	if chans.Outbox != nil {
		fmt.Fprintf(stderr, "herald: warning: the outbox channel is on (HERALD_OUTBOX=%s): messages are written there instead of sent, "+
			"and count as delivered, so each window is consumed. To look without consuming, use 'herald run --once --dry-run'.\n", cfg.Outbox)
	}
	return a, chans, nil
}

// webDeps wires the HTTP server to the app. It wraps every channel in
// chans.ByKind, in place, with the metrics' counting channel, so the
// scheduler's runner (which a.Serve builds from the same map) and POST
// /v1/dispatch both count their sends in /metrics. Confirmation emails go
// through the unwrapped email channel: they are not digests.
func webDeps(a *app.App, chans *app.Channels) (web.Deps, error) {
	metrics := web.NewMetrics()
	email := chans.ByKind[subscribers.KindEmail]
	for kind, ch := range chans.ByKind {
		chans.ByKind[kind] = metrics.Channel(string(kind), ch)
	}
	d := web.Deps{
		RDB: a.RDB, Stories: a.Stories, Subs: a.Subs,
		Secret: []byte(a.Cfg.Secret), PreviousSecrets: a.Cfg.PreviousSecrets(), APIToken: a.Cfg.APIToken, BaseURL: a.Cfg.BaseURL,
		BounceToken: a.Cfg.BounceToken, BounceSecret: []byte(a.Cfg.BounceSecret), KeyPrefix: a.Cfg.RedisPrefix,
		Ingest: a.Ingest, CheckWebhook: a.CheckWebhook,
		SlackSigningSecret: a.Cfg.SlackSigningSecret, SlackResponses: a.Webhooks, Emit: a.Emit,
		Preview: a.Preview, WebVersion: a.WebVersion, Feeds: a.FeedAdmin(),
		Dispatch: func(ctx context.Context) (digest.Stats, error) {
			st, err := a.Runner(chans.ByKind).RunOnce(ctx)
			a.RecordRun(ctx, a.Now(), st)
			return st, err
		},
		Metrics: metrics, Health: a.Health, BounceThreshold: a.Cfg.BounceThreshold,
		Operators: a.Operators,
		Console: web.ConsoleDeps{Deliveries: a.Log, LastTick: a.LastTick, EmptySince: a.EmptySince,
			EmptyByChannel: a.EmptyByChannel},
		Now: a.Now, Logger: a.Logger,
	}
	if err := withLimits(&d, a); err != nil {
		return d, err
	}
	if email == nil && d.Signup {
		a.Logger.Warn("HERALD_SIGNUP is on but there is no email channel to send confirmations: /signup stays closed")
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
	return d, nil
}

// withLimits sets the sign-up settings and the per-client limits (in
// Redis, so they hold across every process).
func withLimits(d *web.Deps, a *app.App) error {
	c := a.Cfg
	d.Signup, d.SignupCooldown, d.SignupExpiry = c.Signup, c.SignupCooldown, c.SignupExpiry
	var err, aerr error
	d.SignupLimit, err = ratelimit.New(a.RDB, c.RedisPrefix, "signup", ratelimit.Rate{Limit: c.SignupLimit, Window: c.SignupWindow}, a.Now)
	d.AuthLimit, aerr = ratelimit.New(a.RDB, c.RedisPrefix, "auth", ratelimit.Rate{Limit: c.AuthLimit, Window: c.AuthWindow}, a.Now)
	return errors.Join(err, aerr)
}
