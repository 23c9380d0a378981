package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"herald/channels/email"
	"herald/channels/outbox"
	"herald/channels/slack"
	"herald/digest"
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
// server is one clear line at start) and Slack.
func (a *App) OpenChannels(ctx context.Context) (*Channels, error) {
	from, host := a.Sender()
	if a.Cfg.Outbox != "" {
		w, err := outbox.New(a.Cfg.Outbox, from, host)
		if err != nil {
			return nil, err
		}
		return &Channels{
			ByKind: map[subscribers.Kind]digest.Channel{subscribers.KindEmail: w, subscribers.KindSlack: w},
			Outbox: w,
		}, nil
	}
	ecfg, err := email.ParseURL(a.Cfg.SMTPURL)
	if err != nil {
		return nil, fmt.Errorf("HERALD_SMTP_URL: %w", err)
	}
	ecfg.From = from
	ecfg.PoolSize = a.Cfg.SMTPPool
	ecfg.RatePerSecond = a.Cfg.SMTPRate
	sender, err := email.New(ecfg, a.Logger)
	if err != nil {
		return nil, err
	}
	if err := sender.Check(ctx); err != nil {
		_ = sender.Close()
		return nil, err
	}
	if a.Cfg.PostalAddress == "" {
		a.Logger.Warn("HERALD_POSTAL_ADDRESS is not set: emails go out without the sender's postal address that CAN-SPAM and bulk-sender rules ask for")
	}
	sl := slack.New(slack.Config{Token: a.Cfg.SlackToken, APIURL: a.Cfg.SlackAPIURL}, a.Logger)
	return &Channels{
		ByKind: map[subscribers.Kind]digest.Channel{subscribers.KindEmail: sender, subscribers.KindSlack: sl},
		closer: sender.Close,
	}, nil
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
