package web

import (
	"context"
	"log/slog"
	"net/http"

	"herald/internal/webhooks"
	"herald/subscribers"
)

// unsubscribePage asks for confirmation: a GET (a link scanner, a mail
// preview) never unsubscribes anyone. It offers the preferences page as
// the gentler choice, with a link signed on the fly.
func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	sub := s.subscriberFor(w, r, subscribers.ActionUnsubscribe)
	if sub == nil {
		return
	}
	prefs := linkView{Href: s.preferencesLink(sub), Text: "Change your preferences instead: fewer topics, a weekly digest, or a pause"}
	if sub.Status == subscribers.StatusUnsubscribed {
		s.message(w, http.StatusOK, unsubscribedView(sub, s.preferencesLink(sub), "You are already unsubscribed."))
		return
	}
	s.message(w, http.StatusOK, messageView{
		Title:      "Unsubscribe?",
		Paragraphs: []string{"Stop sending Herald digests to " + destination(sub) + "?"},
		Form:       &formView{Action: r.URL.Path, Button: "Unsubscribe", ID: "unsubscribe", Danger: true},
		Links:      []linkView{prefs},
	})
}

// unsubscribe handles the RFC 8058 one-click POST (body
// List-Unsubscribe=One-Click from the mail client: no cookie, no CSRF
// token, the signed URL is the authority) and the page's button alike. It
// answers 200 with a page.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	sub := s.subscriberFor(w, r, subscribers.ActionUnsubscribe)
	if sub == nil {
		return
	}
	if sub.Status != subscribers.StatusUnsubscribed {
		sub.Status = subscribers.StatusUnsubscribed
		if err := s.d.Subs.Update(r.Context(), sub); err != nil {
			s.d.Logger.Error("unsubscribe", slog.String("subscriber", sub.ID), slog.Any("error", err))
			s.message(w, http.StatusServiceUnavailable, unavailablePage)
			return
		}
		s.emit(r.Context(), webhooks.SubscriberUnsubscribed, sub)
		s.d.Logger.Info("unsubscribed", slog.String("subscriber", sub.ID),
			slog.Bool("one_click", r.PostFormValue("List-Unsubscribe") == "One-Click"))
	}
	s.message(w, http.StatusOK, unsubscribedView(sub, s.preferencesLink(sub), "You are unsubscribed."))
}

// emit records a subscriber event, when events are wired.
func (s *Server) emit(ctx context.Context, typ string, sub *subscribers.Subscriber) {
	if s.d.Emit != nil {
		s.d.Emit(ctx, typ, sub.ID, map[string]any{"subscriber_id": sub.ID, "kind": sub.Kind, "status": sub.Status})
	}
}

// emitUnsubscribe records subscriber.unsubscribed when a change took sub
// from status before to unsubscribed.
func (s *Server) emitUnsubscribe(ctx context.Context, before subscribers.Status, sub *subscribers.Subscriber) {
	if before != subscribers.StatusUnsubscribed && sub.Status == subscribers.StatusUnsubscribed {
		s.emit(ctx, webhooks.SubscriberUnsubscribed, sub)
	}
}

func unsubscribedView(sub *subscribers.Subscriber, prefs, first string) messageView {
	return messageView{
		Title:      "Unsubscribed",
		Paragraphs: []string{first + " No more digests go to " + destination(sub) + "."},
		Links:      []linkView{{Href: prefs, Text: "Changed your mind? Subscribe again from your preferences"}},
	}
}
