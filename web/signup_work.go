package web

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"herald/subscribers"
)

// Sign-ups are worked off the request path. The handler checks the form
// and queues the same job for every address, known or not; a worker then
// decides what the address gets: a new or pending address a confirmation
// email (at most one per SignupCooldown, across processes), a subscribed
// or suppressed one nothing. So neither the answer nor its timing tells who
// subscribes, and no answer waits for SMTP. The queue lives in the process:
// a sign-up queued when the process dies is lost, and the reader signs up
// again.

const (
	signupWorkers    = 4               // jobs worked at once
	signupJobTimeout = 2 * time.Minute // one job: Redis and the email
)

// signupJob is one accepted sign-up: the pending subscriber the form asks
// for, and the public URL its confirmation link starts with.
type signupJob struct {
	sub  *subscribers.Subscriber
	base string
}

func withSignupDefaults(d Deps) Deps {
	if d.SignupCooldown <= 0 {
		d.SignupCooldown = DefaultSignupCooldown
	}
	if d.SignupExpiry <= 0 {
		d.SignupExpiry = ConfirmLifetime
	}
	if d.SignupQueue <= 0 {
		d.SignupQueue = DefaultSignupQueue
	}
	return d
}

// enqueueSignup queues job, reporting false when the queue is full.
func (s *Server) enqueueSignup(job signupJob) bool {
	select {
	case s.signups <- job:
		return true
	default:
		return false
	}
}

// RunSignups works the sign-up queue until ctx ends, then works the jobs
// still queued and returns. herald serve runs it beside the HTTP server
// and stops it after the server; without it sign-ups only queue up.
func (s *Server) RunSignups(ctx context.Context) {
	var wg sync.WaitGroup
	for range signupWorkers {
		wg.Go(func() { s.workSignups(ctx) })
	}
	wg.Wait()
}

func (s *Server) workSignups(ctx context.Context) {
	for {
		select {
		case job := <-s.signups:
			s.workSignup(ctx, job)
		case <-ctx.Done():
			s.drainSignups(ctx)
			return
		}
	}
}

// drainSignups works the jobs queued now and returns how many it worked.
func (s *Server) drainSignups(ctx context.Context) int {
	for n := 0; ; n++ {
		select {
		case job := <-s.signups:
			s.workSignup(ctx, job)
		default:
			return n
		}
	}
}

// workSignup works one job, to its end even when ctx has ended (shutdown
// waits for it), within signupJobTimeout.
func (s *Server) workSignup(ctx context.Context, job signupJob) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), signupJobTimeout)
	defer cancel()
	if err := s.signUp(ctx, job); err != nil {
		s.d.Logger.Error("signup", slog.Any("error", err))
	}
}

// signUp makes job's subscriber pending and mails its confirmation link,
// unless the address had one within the cooldown or is not to be mailed.
// A failed email ends the cooldown, so the reader can try again.
func (s *Server) signUp(ctx context.Context, job signupJob) error {
	fresh, err := s.d.Subs.StartCooldown(ctx, job.sub.Email, s.d.SignupCooldown)
	if err != nil || !fresh {
		if err == nil {
			s.d.Logger.Debug("signup within the cooldown of the last confirmation email: nothing sent")
		}
		return err
	}
	sub, err := s.upsertPending(ctx, job.sub)
	if err == nil && sub != nil {
		err = s.mailConfirmation(ctx, job.base, sub)
	}
	if err != nil {
		return errors.Join(err, s.d.Subs.EndCooldown(ctx, job.sub.Email))
	}
	return nil
}

// upsertPending adds sub, or makes a known pending address pending again
// with the new topics. A known active, paused or bounced address, and one on
// the suppression list (every unsubscribed one is), is left alone: it
// returns nil and no email goes out. A reader who unsubscribed comes back
// through the preferences link of their last email instead.
func (s *Server) upsertPending(ctx context.Context, sub *subscribers.Subscriber) (*subscribers.Subscriber, error) {
	err := s.d.Subs.Add(ctx, sub)
	if errors.Is(err, subscribers.ErrSuppressed) {
		s.d.Logger.Info("signup for a suppressed address ignored")
		return nil, nil
	}
	if !errors.Is(err, subscribers.ErrExists) {
		return sub, err
	}
	old, err := s.d.Subs.GetByEmail(ctx, sub.Email)
	if err != nil {
		return nil, err
	}
	if old.Status != subscribers.StatusPending && old.Status != subscribers.StatusUnsubscribed {
		s.d.Logger.Info("signup for a subscribed address ignored", slog.String("subscriber", old.ID))
		return nil, nil
	}
	old.Topics, old.TimeZone, old.Status = sub.Topics, sub.TimeZone, subscribers.StatusPending
	err = s.d.Subs.Update(ctx, old)
	if errors.Is(err, subscribers.ErrSuppressed) {
		s.d.Logger.Info("signup for a suppressed address ignored", slog.String("subscriber", old.ID))
		return nil, nil
	}
	return old, err
}
