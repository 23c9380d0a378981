package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/digest"
	"herald/subscribers"
)

// Serve runs the dispatch scheduler, the HTTP server and the background
// work (the sign-up queue's workers) until ctx ends, then stops claiming
// work, lets in-flight sends finish, stops the HTTP server and lets the
// background work finish what it holds (all within ShutdownGrace), and
// returns. ready, if not nil, receives the HTTP listener's address, then,
// with HERALD_ADMIN_ADDR, the admin listener's: give it room for both.
// Each background function runs until its context ends, then returns.
func (a *App) Serve(ctx context.Context, channels map[subscribers.Kind]digest.Channel, handler http.Handler, ready chan<- string, background ...func(context.Context)) error {
	a.warnPlainBaseURL()
	servers, err := a.listen(handler)
	if err != nil {
		return err
	}
	httpDone := a.serveHTTP(servers, ready)

	sched := &digest.Scheduler{
		Runner:   a.Runner(channels),
		TickSpec: a.Cfg.Tick,
		Jobs:     a.jobs(),
		Logger:   a.Logger,
		OnTick:   a.publishTick,
	}
	schedDone := make(chan error, 1)
	go func() { schedDone <- sched.Run(ctx) }()
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBackground()
	bg := bgWork{stop: stopBackground, done: runBackground(bgCtx, background)}

	select {
	case err = <-httpDone:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	return a.shutdown(servers, schedDone, bg)
}

// jobs are the scheduler's own: the hourly sweep and the feed polls.
func (a *App) jobs() map[string]func(context.Context) error {
	jobs := map[string]func(context.Context) error{"@every 1h": a.sweep}
	if other, dup := jobs[a.Cfg.FeedCheck]; dup {
		jobs[a.Cfg.FeedCheck] = func(ctx context.Context) error { return errors.Join(other(ctx), a.pollFeeds(ctx)) }
	} else {
		jobs[a.Cfg.FeedCheck] = a.pollFeeds
	}
	return jobs
}

// bgWork is the running background work: stop ends its context, done
// is closed once every function returned.
type bgWork struct {
	stop func()
	done <-chan struct{}
}

// shutdown waits up to ShutdownGrace for the scheduler's in-flight sends,
// then closes the HTTP servers, then stops the background work and waits
// for it (in what is left of the grace).
func (a *App) shutdown(servers []listener, schedDone <-chan error, bg bgWork) error {
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
	bg.stop() // after the HTTP servers: no handler queues work any more
	select {
	case <-bg.done:
	case <-grace.Done():
		if err == nil {
			err = errors.New("shutdown grace period passed with background work (confirmation emails) unfinished")
		}
	}
	return err
}

// runBackground starts each function and returns a channel closed once all
// have returned.
func runBackground(ctx context.Context, fns []func(context.Context)) <-chan struct{} {
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Go(func() { fn(ctx) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
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

// sweep is the hourly clean-up: stories past retention, and sign-ups
// left unconfirmed past HERALD_SIGNUP_EXPIRY.
func (a *App) sweep(ctx context.Context) error {
	n, err := a.Stories.Sweep(ctx)
	if n > 0 {
		a.Logger.Info("retention sweep", slog.Int("removed", n))
	}
	return errors.Join(err, a.ExpireSignups(ctx))
}

// ExpireSignups removes the pending subscribers (unconfirmed sign-ups)
// pending for longer than SignupExpiry.
func (a *App) ExpireSignups(ctx context.Context) error {
	n, err := a.Subs.ExpirePending(ctx, a.Cfg.SignupExpiry)
	if n > 0 {
		a.Logger.Info("unconfirmed sign-ups expired", slog.Int("removed", n), slog.Duration("expiry", a.Cfg.SignupExpiry))
	}
	return err
}
