package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"herald/subscribers"
)

// maxReason bounds the reason an operator gives for lifting a suppression.
const maxReason = 500

// liftSuppressionForm lifts the suppression of a subscriber's address
// (POST /admin/subscribers/{id}/unsuppress). The operator must say why; the
// reason goes to the log with who lifted it. The subscriber's status is
// left as it is: resume sends again.
func (s *Server) liftSuppressionForm(w http.ResponseWriter, r *http.Request, ss session) {
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" || len(reason) > maxReason {
		s.adminMessage(w, http.StatusBadRequest, ss, "Not lifted", "reason: required, up to 500 characters: say why this address may be mailed again.")
		return
	}
	sub, err := s.d.Subs.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, subscribers.ErrNotFound) || isInvalid(err) {
		s.adminMessage(w, http.StatusNotFound, ss, "Subscriber not found", "There is no subscriber "+r.PathValue("id")+".")
		return
	}
	lifted := false
	if err == nil && sub.Email != "" {
		lifted, err = s.d.Subs.Unsuppress(r.Context(), sub.Email)
	}
	if err != nil {
		s.adminUnavailable(w, ss, "lift suppression", err)
		return
	}
	if !lifted {
		s.adminMessage(w, http.StatusNotFound, ss, "Not suppressed", "This subscriber's address is not on the suppression list.")
		return
	}
	s.d.Logger.Warn("console: suppression lifted", slog.String("operator", ss.Email), slog.String("subscriber", sub.ID),
		slog.String("email_domain", domainOf(sub.Email)), slog.String("reason", reason))
	http.Redirect(w, r, "/admin/subscribers/"+url.PathEscape(sub.ID)+"?done=unsuppress", http.StatusSeeOther)
}
