package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"herald/digest"
	"herald/internal/egress"
	"herald/internal/webhooks"
	"herald/stories"
)

// openEvents builds the outbox of outgoing webhooks and their host policy
// (HERALD_WEBHOOK_HOSTS: every endpoint's host must be listed).
func (a *App) openEvents() error {
	hosts, err := egress.Parse(nil, a.Cfg.WebhookHosts, "HERALD_WEBHOOK_HOSTS")
	if err != nil {
		return err
	}
	a.EventHosts = hosts
	a.Events = webhooks.NewStore(a.RDB, a.Cfg.RedisPrefix, a.Cfg.RedisShards, a.Now)
	return nil
}

// Emit appends an event to the webhook outbox. Sending never fails for an
// event: a failed append is logged.
func (a *App) Emit(ctx context.Context, typ, key string, data any) {
	if err := a.Events.Emit(ctx, typ, key, data); err != nil {
		a.Logger.Warn("webhook event not recorded", slog.String("type", typ), slog.Any("error", err))
	}
}

// CheckEventURL refuses a webhook endpoint URL the host policy does not
// allow, naming the field.
func (a *App) CheckEventURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err == nil && u.Host != "" && !a.EventHosts.AllowListed(u.Hostname(), u.Port()) {
		err = fmt.Errorf("host %s is not listed in HERALD_WEBHOOK_HOSTS (host or host:port, comma-separated)", u.Hostname())
	} else if err == nil {
		err = a.EventHosts.CheckURL(raw)
	}
	if err != nil {
		return &fieldError{field: "url", err: err}
	}
	return nil
}

type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return "webhooks: " + e.field + ": " + e.err.Error() }

// Deliverer posts the outbox's events to the endpoints; serve runs it.
func (a *App) Deliverer() *webhooks.Deliverer {
	return &webhooks.Deliverer{Store: a.Events, Client: a.EventHosts.Client(webhooks.DefaultTimeout),
		Check: a.EventHosts.CheckURL, Logger: a.Logger}
}

// storyEvent is story.ingested's data.
func storyEvent(st *stories.Story) map[string]any {
	slugs := make([]string, len(st.Topics))
	for i, t := range st.Topics {
		slugs[i] = t.Slug
	}
	return map[string]any{"story_id": st.ID, "headline": st.Headline, "url": st.URL, "topics": slugs}
}

// eventLog is the delivery log that also emits message.sent,
// message.failed and message.bounced for each delivery it records.
type eventLog struct {
	*digest.RedisLog
	a *App
}

// deliveryEvents maps a delivery's result to its event type.
var deliveryEvents = map[string]string{
	"sent": webhooks.MessageSent, "failed": webhooks.MessageFailed, "permanent": webhooks.MessageBounced,
}

// Beside the log and the events, eventLog counts where stories went
// (App.Reach) and the empty digests by channel (empty.go): in memory,
// written in batches, never a command per delivery.
var _ digest.EmptyRecorder = eventLog{}

func (l eventLog) Record(ctx context.Context, d digest.Delivery) error {
	err := l.RedisLog.Record(ctx, d)
	l.emit(ctx, d)
	if err == nil { // a failed record is retried: count it then
		l.a.Reach.Add(d)
	}
	return err
}

func (l eventLog) RecordShared(ctx context.Context, ds []digest.Delivery) error {
	err := l.RedisLog.RecordShared(ctx, ds)
	for _, d := range ds {
		l.emit(ctx, d)
		if err == nil { // a failed record is retried: count it then
			l.a.Reach.Add(d)
		}
	}
	return err
}

// RecordEmpty counts a digest with no stories under its channel.
func (l eventLog) RecordEmpty(d digest.Delivery) { l.a.empties.add(d.Channel, 1) }

func (l eventLog) emit(ctx context.Context, d digest.Delivery) {
	typ, ok := deliveryEvents[d.Result]
	if !ok || !l.a.Events.Listening(ctx) { // no payload built for nobody
		return
	}
	l.a.Emit(ctx, typ, d.SubscriberID, map[string]any{
		"subscriber_id": d.SubscriberID, "message_id": d.MessageID, "channel": d.Channel, "stories": d.Stories,
		"window_start": d.WindowStart.UTC().Format(time.RFC3339), "window_end": d.WindowEnd.UTC().Format(time.RFC3339),
		"attempt": d.Attempt, "error": d.Error,
	})
}
