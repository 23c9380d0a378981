package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"herald/subscribers"
)

// BounceEvent is one report in the generic bounce webhook form:
//
//	POST /v1/bounces
//	{"events": [{"type": "bounce", "email": "a@example.com", "hard": true,
//	             "reason": "550 5.1.1 user unknown", "message_id": "<…>"},
//	            {"type": "complaint", "email": "b@example.com"}]}
//
// A hard bounce counts against the subscriber (suppressed past the
// threshold); a soft bounce is only noted; a complaint unsubscribes and
// suppresses the address, known or not.
type BounceEvent struct {
	Type      string `json:"type"` // bounce or complaint
	Email     string `json:"email"`
	Hard      bool   `json:"hard,omitempty"`
	Reason    string `json:"reason,omitempty"`
	MessageID string `json:"message_id,omitempty"`
}

// BounceResult says what one event did.
type BounceResult struct {
	Index  int    `json:"index"`
	Status string `json:"status"` // counted, suppressed, unsubscribed, noted, unknown, rejected
	Error  string `json:"error,omitempty"`
}

func (s *Server) postBounces(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Events []BounceEvent `json:"events"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	if len(body.Events) == 0 {
		return invalidField("events", "at least one event is required")
	}
	out := make([]BounceResult, len(body.Events))
	for i, ev := range body.Events {
		status, err := s.applyBounce(r, ev)
		out[i] = BounceResult{Index: i, Status: status}
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				return err
			}
			out[i].Error = ae.Message
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
	return nil
}

func (s *Server) applyBounce(r *http.Request, ev BounceEvent) (string, error) {
	email, err := subscribers.NormalizeEmail(ev.Email)
	if err != nil {
		return "rejected", invalidField("email", "not a valid address")
	}
	reason := strings.Join(strings.Fields(ev.Reason), " ")
	switch ev.Type {
	case "complaint":
		return "unsubscribed", s.complaint(r, email)
	case "bounce":
		if !ev.Hard {
			return "noted", nil
		}
		return s.hardBounce(r, email, reason)
	}
	return "rejected", invalidField("type", `must be "bounce" or "complaint"`)
}

// complaint suppresses the address first (so the reason recorded is the
// complaint) and unsubscribes its subscriber, if any.
func (s *Server) complaint(r *http.Request, email string) error {
	ctx := r.Context()
	if err := s.d.Subs.Suppress(ctx, email, "complaint"); err != nil {
		return err
	}
	s.d.Logger.Info("complaint: address suppressed", slog.String("email_domain", domainOf(email)))
	sub, err := s.d.Subs.GetByEmail(ctx, email)
	if errors.Is(err, subscribers.ErrNotFound) {
		return nil
	}
	if err != nil || sub.Status == subscribers.StatusUnsubscribed {
		return err
	}
	sub.Status = subscribers.StatusUnsubscribed
	return s.d.Subs.Update(ctx, sub)
}

func (s *Server) hardBounce(r *http.Request, email, reason string) (string, error) {
	sub, err := s.d.Subs.GetByEmail(r.Context(), email)
	if errors.Is(err, subscribers.ErrNotFound) {
		return "unknown", nil
	}
	if err != nil {
		return "", err
	}
	if reason == "" {
		reason = "reported hard bounce"
	}
	suppressed, err := s.d.Subs.ReportBounce(r.Context(), sub.ID, reason, s.d.BounceThreshold)
	if err != nil {
		return "", err
	}
	if suppressed {
		s.d.Logger.Info("reported bounce: address suppressed", slog.String("subscriber", sub.ID))
		return "suppressed", nil
	}
	return "counted", nil
}
