package web

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"herald/internal/webhooks"
	"herald/subscribers"
)

// confirmSubject names the CSRF token of a subscriber's confirm form.
func confirmSubject(id string) string { return "confirm:" + id }

// confirmPage shows the double opt-in button. Confirming is a POST, so a
// link scanner opening the link confirms nothing.
func (s *Server) confirmPage(w http.ResponseWriter, r *http.Request) {
	sub := s.subscriberFor(w, r, subscribers.ActionConfirm)
	if sub == nil {
		return
	}
	if sub.Status != subscribers.StatusPending {
		s.message(w, http.StatusOK, s.notPendingView(sub))
		return
	}
	s.message(w, http.StatusOK, messageView{
		Title:      "Confirm your subscription",
		Paragraphs: []string{"Start sending Herald digests to " + destination(sub) + "?"},
		Form: &formView{Action: r.URL.Path, Button: "Yes, send me digests", ID: "confirm",
			Hidden: []hiddenField{{Name: "csrf", Value: csrfToken(s.d.Secret, confirmSubject(sub.ID), s.d.Now())}}},
	})
}

// confirm makes a pending subscriber active; Store.Update puts it in the
// due set at its next scheduled time.
func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	sub := s.subscriberFor(w, r, subscribers.ActionConfirm)
	if sub == nil || !s.checkForm(w, r, confirmSubject(sub.ID)) {
		return
	}
	if sub.Status != subscribers.StatusPending {
		s.message(w, http.StatusOK, s.notPendingView(sub))
		return
	}
	sub.Status = subscribers.StatusActive
	err := s.d.Subs.Update(r.Context(), sub)
	if errors.Is(err, subscribers.ErrSuppressed) {
		s.message(w, http.StatusConflict, messageView{Title: "Cannot subscribe this address", Paragraphs: []string{cannotMail}})
		return
	}
	if err != nil {
		s.d.Logger.Error("confirm", slog.String("subscriber", sub.ID), slog.Any("error", err))
		s.message(w, http.StatusServiceUnavailable, unavailablePage)
		return
	}
	s.emit(r.Context(), webhooks.SubscriberConfirmed, sub)
	s.d.Logger.Info("subscription confirmed", slog.String("subscriber", sub.ID))
	s.message(w, http.StatusOK, messageView{
		Title:      "You are subscribed",
		Paragraphs: []string{"Thank you: your address is confirmed.", firstDigest(sub)},
		Links:      []linkView{{Href: s.preferencesLink(sub), Text: "Choose topics, schedule and time zone"}},
	})
}

// notPendingView answers a confirm link whose subscriber is past that step.
func (s *Server) notPendingView(sub *subscribers.Subscriber) messageView {
	v := messageView{Title: "Already confirmed", Paragraphs: []string{
		"This subscription is already confirmed; there is nothing more to do."}}
	switch sub.Status {
	case subscribers.StatusActive, subscribers.StatusPaused:
		v.Links = []linkView{{Href: s.preferencesLink(sub), Text: "Change your preferences"}}
	default:
		v.Title = "Nothing to confirm"
		v.Paragraphs = []string{"This subscription is " + string(sub.Status) + ", so this confirmation link no longer applies. Sign up again to subscribe."}
	}
	return v
}

// firstDigest says when the first digest is due, in the subscriber's zone.
func firstDigest(sub *subscribers.Subscriber) string {
	if sub.NextDue.IsZero() {
		return "You will get an alert as stories on your topics land."
	}
	loc, err := subscribers.LoadLocation(sub.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return "Your first digest is due " + sub.NextDue.In(loc).Format("Monday 2 January at 15:04 (MST)") + "."
}
