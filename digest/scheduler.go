package digest

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
)

// Scheduler runs the process's own periodic jobs with robfig/cron: the
// dispatch tick (claim what is due) and housekeeping such as the retention
// sweep. Subscribers are never cron entries: the Redis due set scales to
// millions of them, one tick reads it.
type Scheduler struct {
	Runner *Runner
	// TickSpec is how often to look for due work; default "@every 10s".
	TickSpec string
	// Jobs are further named jobs, e.g. {"@every 1h": sweep}.
	Jobs   map[string]func(ctx context.Context) error
	Logger *slog.Logger
	// OnTick, if set, is called after each dispatch tick (e.g. to publish
	// the time of the last tick for "herald status").
	OnTick func(ctx context.Context, at time.Time, st Stats)

	lastTick atomic.Int64 // unix ms of the last finished tick
}

// LastTick is when the last dispatch tick finished (zero before the first).
func (s *Scheduler) LastTick() time.Time {
	ms := s.lastTick.Load()
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// Run starts the jobs and blocks until ctx ends; it then stops ticking and
// waits for jobs under way, whose sends complete (see Runner.RunOnce).
func (s *Scheduler) Run(ctx context.Context) error {
	logger := s.Logger
	if logger == nil {
		logger = slog.Default()
	}
	cl := cronLogger{logger}
	// Recover sits inside SkipIfStillRunning, so a panicking tick is logged
	// and the next tick still runs.
	c := cron.New(cron.WithChain(cron.SkipIfStillRunning(cl), cron.Recover(cl)))
	spec := s.TickSpec
	if spec == "" {
		spec = "@every 10s"
	}
	if _, err := c.AddFunc(spec, func() { s.tick(ctx, logger) }); err != nil {
		return fmt.Errorf("digest: tick spec %q: %w", spec, err)
	}
	for jobSpec, job := range s.Jobs {
		if _, err := c.AddFunc(jobSpec, func() {
			if err := job(ctx); err != nil && ctx.Err() == nil {
				logger.Error("job failed", slog.String("spec", jobSpec), slog.Any("error", err))
			}
		}); err != nil {
			return fmt.Errorf("digest: job spec %q: %w", jobSpec, err)
		}
	}
	c.Start()
	s.tick(ctx, logger) // catch up at start rather than one interval later
	<-ctx.Done()
	<-c.Stop().Done()
	return nil
}

func (s *Scheduler) tick(ctx context.Context, logger *slog.Logger) {
	if ctx.Err() != nil {
		return
	}
	st, err := s.Runner.RunOnce(ctx)
	now := time.Now()
	s.lastTick.Store(now.UnixMilli())
	if s.OnTick != nil {
		s.OnTick(context.WithoutCancel(ctx), now, st)
	}
	if err != nil {
		logger.Error("dispatch", slog.Any("error", err))
	}
	if st.Claimed > 0 {
		logger.Info("dispatch", slog.Int("claimed", st.Claimed), slog.Int("sent", st.Sent),
			slog.Int("empty", st.Empty), slog.Int("temporary", st.Temporary), slog.Int("permanent", st.Permanent))
	}
}

// cronLogger adapts slog to cron.Logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, slog.Any("error", err))...)
}
