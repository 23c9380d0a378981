package slack

import (
	"context"
	"log/slog"

	"herald/digest"
)

// deliver posts one payload, pacing each attempt and retrying temporary
// failures up to MaxRetries times.
func (s *Sender) deliver(ctx context.Context, dest destination, p payload, thread string) (string, *digest.SendError) {
	for retry := 0; ; retry++ {
		if se := s.waitTurn(ctx, dest.key); se != nil {
			return "", se
		}
		ts, se := s.attempt(ctx, dest, p, thread)
		if se == nil {
			return ts, nil
		}
		if !se.Temporary || authAPIErrors[se.Reason] || retry >= s.cfg.MaxRetries || ctx.Err() != nil {
			return "", se
		}
		if se := s.backOff(ctx, dest.key, retry+1, se); se != nil {
			return "", se
		}
	}
}

// waitTurn sleeps until dest may receive its next post.
func (s *Sender) waitTurn(ctx context.Context, key string) *digest.SendError {
	d := s.pace.reserve(key)
	if d <= 0 {
		return nil
	}
	if err := s.cfg.Sleep(ctx, d); err != nil {
		return &digest.SendError{Temporary: true, Reason: "canceled", Err: err}
	}
	return nil
}

// backOff waits before retry number n after the failure se: a Retry-After
// holds the whole destination back (waitTurn then sleeps it); without one
// the sender sleeps Backoff(n).
func (s *Sender) backOff(ctx context.Context, key string, n int, se *digest.SendError) *digest.SendError {
	wait := se.RetryAfter
	if wait > 0 {
		s.pace.holdOff(key, s.cfg.Now().Add(wait))
	} else {
		wait = s.cfg.Backoff(n)
	}
	s.log.Warn("slack: post failed, retrying", "destination", key, "retry", n,
		"wait", wait, "code", se.Code, "reason", se.Reason, slog.Any("error", se.Err))
	if se.RetryAfter > 0 {
		return nil
	}
	if err := s.cfg.Sleep(ctx, wait); err != nil {
		return &digest.SendError{Temporary: true, Reason: "canceled", Err: err}
	}
	return nil
}
