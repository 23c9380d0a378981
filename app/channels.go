package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"herald/channels/email"
	"herald/channels/outbox"
	"herald/channels/slack"
	"herald/digest"
	"herald/internal/health"
	"herald/subscribers"
)

// Channels are the delivery channels by subscriber kind, and how to close them.
type Channels struct {
	ByKind map[subscribers.Kind]digest.Channel
	Outbox *outbox.Writer // set when messages go to files
	closer func() error
}

// Close closes pooled connections.
func (c *Channels) Close() error {
	if c.closer == nil {
		return nil
	}
	return c.closer()
}

// OpenChannels builds the channels from the config: an outbox folder when
// HERALD_OUTBOX is set, otherwise SMTP (checked now, so an unreachable
// server is one clear line at start: what "run --once" wants) and Slack.
func (a *App) OpenChannels(ctx context.Context) (*Channels, error) {
	return a.openChannels(ctx, true)
}

// OpenServeChannels is OpenChannels for a long-running server: a relay that
// is unreachable (or refuses Herald's credentials) at start is reported in
// the health registry and retried with backoff, its deliveries held until
// it answers, instead of stopping the server.
func (a *App) OpenServeChannels(ctx context.Context) (*Channels, error) {
	return a.openChannels(ctx, false)
}

func (a *App) openChannels(ctx context.Context, strict bool) (*Channels, error) {
	if a.DKIM != nil {
		a.Logger.Info("email: DKIM-signing every message", slog.String("dkim_domain", a.DKIM.Domain()),
			slog.String("dkim_selector", a.DKIM.Selector()))
	}
	if a.Cfg.Outbox != "" {
		return a.outboxChannels()
	}
	sender, dep, err := a.openEmail(ctx, strict)
	if err != nil {
		return nil, err
	}
	probeCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	email := &guard{next: sender, dep: dep, check: sender.Check, ctx: probeCtx, backoff: a.RelayBackoff, log: a.Logger}
	if !dep.Available() {
		dep.Recover(probeCtx, sender.Check, a.RelayBackoff, a.Logger)
	}
	sl := a.slackChannel(probeCtx, strict)
	return &Channels{
		ByKind: map[subscribers.Kind]digest.Channel{subscribers.KindEmail: email, subscribers.KindSlack: sl},
		closer: func() error { cancel(); return sender.Close() },
	}, nil
}

func (a *App) outboxChannels() (*Channels, error) {
	from, host := a.Sender()
	w, err := outbox.New(a.Cfg.Outbox, from, host, outbox.WithDKIM(a.DKIM))
	if err != nil {
		return nil, err
	}
	return &Channels{
		ByKind: map[subscribers.Kind]digest.Channel{subscribers.KindEmail: w, subscribers.KindSlack: w},
		Outbox: w,
	}, nil
}

// openEmail builds the SMTP sender, registers the relay in the health
// registry and checks it: an error when strict, a warning otherwise.
func (a *App) openEmail(ctx context.Context, strict bool) (*email.Sender, *health.Dep, error) {
	ecfg, err := email.ParseURL(a.Cfg.SMTPURL)
	if err != nil {
		return nil, nil, fmt.Errorf("HERALD_SMTP_URL: %w", err)
	}
	ecfg.From, _ = a.Sender()
	ecfg.PoolSize = a.Cfg.SMTPPool
	ecfg.RatePerSecond = a.Cfg.SMTPRate
	ecfg.DKIM = a.DKIM
	sender, err := email.New(ecfg, a.Logger)
	if err != nil {
		return nil, nil, err
	}
	dep := a.Health.Add("smtp " + net.JoinHostPort(ecfg.Host, strconv.Itoa(ecfg.Port)))
	if err := sender.Check(ctx); err != nil {
		if strict {
			_ = sender.Close()
			return nil, nil, err
		}
		dep.Down(err)
		a.Logger.Warn("SMTP relay not available at start: serving anyway, digests are held and the relay retried until it answers",
			slog.String("dependency", dep.Name()), slog.Any("error", err))
	}
	if a.Cfg.PostalAddress == "" {
		a.Logger.Warn("HERALD_POSTAL_ADDRESS is not set: emails go out without the sender's postal address that CAN-SPAM and bulk-sender rules ask for")
	}
	return sender, dep, nil
}

// slackChannel is the Slack channel behind its health: without a token,
// teams posting by channel ID are held (webhook teams still post), and a
// token Slack refuses holds them too, until auth.test passes again.
func (a *App) slackChannel(ctx context.Context, strict bool) digest.Channel {
	sl := slack.New(slack.Config{Token: a.Cfg.SlackToken, APIURL: a.Cfg.SlackAPIURL, Webhooks: a.Webhooks}, a.Logger)
	dep := a.Health.Add("slack")
	g := &guard{next: sl, dep: dep, check: sl.Check, applies: viaToken, ctx: ctx, backoff: a.RelayBackoff, log: a.Logger}
	if a.Cfg.SlackToken == "" {
		g.check = nil
		dep.Unconfigured(errNoSlackToken)
		a.Logger.Warn(errNoSlackToken)
		return g
	}
	if !strict {
		go a.checkSlack(ctx, g)
	}
	return g
}

const errNoSlackToken = "HERALD_SLACK_TOKEN is not set: Slack teams posting by channel ID are held until it is (webhook teams still post)"

// checkSlack runs auth.test once at start and reports a refusal.
func (a *App) checkSlack(ctx context.Context, g *guard) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := g.check(ctx); err != nil {
		g.down(err)
	}
}

// viaToken says whether msg goes through the bot token (a channel ID), not
// an incoming webhook.
func viaToken(msg *digest.Message) bool {
	return msg.Slack == nil || msg.Slack.WebhookURL == ""
}

// Sender is the From address and the host name used in Message-IDs (the
// From address's domain).
func (a *App) Sender() (from digest.Address, host string) {
	name, addr := a.Cfg.FromAddress()
	return digest.Address{Name: name, Email: addr}, hostOf(addr)
}

func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return "localhost"
}

// ErrNoSecret says reader links cannot be signed.
var ErrNoSecret = errors.New("HERALD_SECRET is not set: it signs unsubscribe and preferences links; set it (or HERALD_SECRET_FILE) to a long random value, e.g. from 'openssl rand -hex 32'")
