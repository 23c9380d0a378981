package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/digest"
	"herald/subscribers"
)

// Serve runs the dispatch scheduler and the HTTP server until ctx ends, then
// stops claiming work, lets in-flight sends finish (up to ShutdownGrace) and
// returns. ready, if not nil, receives the HTTP listener's address, then,
// with HERALD_ADMIN_ADDR, the admin listener's: give it room for both.
func (a *App) Serve(ctx context.Context, channels map[subscribers.Kind]digest.Channel, handler http.Handler, ready chan<- string) error {
	a.warnPlainBaseURL()
	servers, err := a.listen(handler)
	if err != nil {
		return err
	}
	httpDone := a.serveHTTP(servers, ready)

	sched := &digest.Scheduler{
		Runner:   a.Runner(channels),
		TickSpec: a.Cfg.Tick,
		Jobs:     map[string]func(context.Context) error{"@every 1h": a.sweep},
		Logger:   a.Logger,
		OnTick:   a.publishTick,
	}
	schedDone := make(chan error, 1)
	go func() { schedDone <- sched.Run(ctx) }()

	select {
	case err = <-httpDone:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	return a.shutdown(servers, schedDone)
}

// shutdown waits up to ShutdownGrace for the scheduler's in-flight sends,
// then closes the HTTP servers.
func (a *App) shutdown(servers []listener, schedDone <-chan error) error {
	a.Logger.Info("shutting down: finishing in-flight sends", slog.Duration("grace", a.Cfg.ShutdownGrace))
	grace, cancel := context.WithTimeout(context.Background(), a.Cfg.ShutdownGrace)
	defer cancel()
	var err error
	select {
	case err = <-schedDone:
	case <-grace.Done():
		err = errors.New("shutdown grace period passed with sends still in flight; their leases will expire and another run retries them")
	}
	for _, l := range servers {
		if herr := l.srv.Shutdown(grace); herr != nil && err == nil {
			err = herr
		}
	}
	return err
}

// serveHTTP starts every listener's server, each bounded to HTTPMaxConns
// connections, and reports their addresses on ready.
func (a *App) serveHTTP(servers []listener, ready chan<- string) <-chan error {
	done := make(chan error, len(servers))
	for _, l := range servers {
		go func() { done <- l.srv.Serve(limitListener(l.ln, a.Cfg.HTTPMaxConns)) }()
	}
	a.logServing(servers)
	for _, l := range servers {
		if ready != nil {
			ready <- l.ln.Addr().String()
		}
	}
	return done
}

// httpServer bounds what one client can hold: the headers (size and time),
// the whole request, the response, and an idle keep-alive.
func (a *App) httpServer(handler http.Handler) *http.Server {
	c := a.Cfg
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: min(10*time.Second, c.HTTPReadTimeout),
		ReadTimeout:       c.HTTPReadTimeout,
		WriteTimeout:      c.HTTPWriteTimeout,
		IdleTimeout:       c.HTTPIdleTimeout,
		MaxHeaderBytes:    c.HTTPMaxHeader,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
	}
}

// publishTick records this process's tick for "herald status".
func (a *App) publishTick(ctx context.Context, at time.Time, st digest.Stats) {
	a.RecordRun(ctx, at, st)
}

// LastTick is when any Herald process sharing this Redis last ticked.
func (a *App) LastTick(ctx context.Context) (time.Time, error) {
	ms, err := a.RDB.Get(ctx, a.Cfg.RedisPrefix+"status:last_tick").Int64()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(ms), nil
}

func (a *App) sweep(ctx context.Context) error {
	n, err := a.Stories.Sweep(ctx)
	if n > 0 {
		a.Logger.Info("retention sweep", slog.Int("removed", n))
	}
	return err
}
