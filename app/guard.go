package app

import (
	"context"
	"fmt"
	"log/slog"

	"herald/digest"
	"herald/internal/health"
)

// guard puts a channel behind its dependency's health: while the relay (or
// Slack) is known down, a send is held at once, without a connection
// attempt, and a channel-level failure marks it down and starts the probe
// that tells when it is back. Recipients are never marked for it: the
// runner holds a channel-level failure without counting an attempt.
type guard struct {
	next    digest.Channel
	dep     *health.Dep
	check   func(ctx context.Context) error // the recovery probe; nil: none (not configured)
	applies func(msg *digest.Message) bool  // nil: every message goes through dep
	ctx     context.Context                 // ends the recovery probe
	backoff health.Backoff
	log     *slog.Logger
}

var _ digest.Channel = (*guard)(nil)

func (g *guard) Send(ctx context.Context, msg *digest.Message) error {
	if g.applies != nil && !g.applies(msg) {
		return g.next.Send(ctx, msg)
	}
	if st := g.dep.State(); st.State != health.StateUp {
		return digest.Unavailable("held", fmt.Errorf("%s is %s: %s", st.Name, st.State, st.LastError))
	}
	err := g.next.Send(ctx, msg)
	switch {
	case err == nil:
		g.dep.Up()
	case digest.IsChannelDown(err):
		g.down(err)
	}
	return err
}

// CopiesMessages is the guarded channel's (digest.Copier).
func (g *guard) CopiesMessages() bool {
	c, ok := g.next.(digest.Copier)
	return ok && c.CopiesMessages()
}

// down marks the dependency down and starts its recovery probe.
func (g *guard) down(err error) {
	if g.dep.Available() {
		g.log.Warn("channel unavailable: deliveries held until it is back",
			slog.String("dependency", g.dep.Name()), slog.Any("error", err))
	}
	g.dep.Down(err)
	if g.check != nil {
		g.dep.Recover(g.ctx, g.check, g.backoff, g.log)
	}
}
