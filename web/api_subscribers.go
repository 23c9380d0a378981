package web

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strconv"

	"herald/subscribers"
)

// Subscribers and teams are one resource: a team is a subscriber of kind
// "slack" (a channel ID or a webhook URL), a reader one of kind "email".
// GET /v1/subscribers?kind=slack lists the teams.

// subscriberInput is the body of POST and PATCH /v1/subscribers. A field
// left out keeps its stored value (PATCH) or its default (POST).
type subscriberInput struct {
	ID           *string             `json:"id"`
	Kind         *subscribers.Kind   `json:"kind"`
	Email        *string             `json:"email"`
	Name         *string             `json:"name"`
	SlackChannel *string             `json:"slack_channel"`
	WebhookURL   *string             `json:"webhook_url"`
	TimeZone     *string             `json:"time_zone"`
	Schedule     *string             `json:"schedule"`
	MaxStories   *int                `json:"max_stories"`
	Status       *subscribers.Status `json:"status"`
	Topics       *[]string           `json:"topics"`
	// Confirm (POST only) creates an email subscriber as pending and mails
	// the double opt-in link.
	Confirm *bool `json:"confirm"`
}

func (in *subscriberInput) apply(sub *subscribers.Subscriber) {
	set(&sub.ID, in.ID)
	set(&sub.Kind, in.Kind)
	set(&sub.Email, in.Email)
	set(&sub.Name, in.Name)
	set(&sub.SlackChannel, in.SlackChannel)
	set(&sub.WebhookURL, in.WebhookURL)
	set(&sub.TimeZone, in.TimeZone)
	set(&sub.Schedule, in.Schedule)
	set(&sub.MaxStories, in.MaxStories)
	set(&sub.Status, in.Status)
	set(&sub.Topics, in.Topics)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// subscriberView is a subscriber as the API shows it. The webhook URL is a
// secret and never leaves the server: has_webhook says whether one is set.
type subscriberView struct {
	*subscribers.Subscriber
	HasWebhook       bool  `json:"has_webhook,omitempty"`
	ConfirmationSent *bool `json:"confirmation_sent,omitempty"`
}

func view(sub *subscribers.Subscriber) subscriberView {
	return subscriberView{Subscriber: sub, HasWebhook: sub.WebhookURL != ""}
}

func (s *Server) createSubscriber(w http.ResponseWriter, r *http.Request) error {
	var in subscriberInput
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	sub := &subscribers.Subscriber{}
	in.apply(sub)
	confirm := in.Confirm != nil && *in.Confirm
	if err := s.checkWebhook(in); err != nil {
		return err
	}
	if err := s.prepareConfirm(sub, confirm); err != nil {
		return err
	}
	if err := s.d.Subs.Add(r.Context(), sub); err != nil {
		return err
	}
	v := view(sub)
	if confirm {
		sent := s.sendConfirmation(r, sub) == nil
		v.ConfirmationSent = &sent
	}
	w.Header().Set("Location", "/v1/subscribers/"+sub.ID)
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// checkWebhook applies the webhook host policy to a webhook_url given.
func (s *Server) checkWebhook(in subscriberInput) error {
	if in.WebhookURL == nil || s.d.CheckWebhook == nil {
		return nil
	}
	return s.d.CheckWebhook(*in.WebhookURL)
}

// prepareConfirm makes sub pending when the caller asked for double opt-in.
func (s *Server) prepareConfirm(sub *subscribers.Subscriber, confirm bool) error {
	if !confirm {
		return nil
	}
	if s.d.SendConfirmation == nil {
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "confirm", "confirmation emails are not configured on this server")
	}
	if sub.Status != "" && sub.Status != subscribers.StatusPending {
		return invalidField("status", `must be "pending" or left out when confirm is true`)
	}
	sub.Status = subscribers.StatusPending
	if err := sub.Validate(); err != nil {
		return err
	}
	if sub.Kind != subscribers.KindEmail {
		return invalidField("confirm", "only email subscribers confirm by email")
	}
	return nil
}

// sendConfirmation mails sub its double opt-in link; a failure is logged.
func (s *Server) sendConfirmation(r *http.Request, sub *subscribers.Subscriber) error {
	err := s.mailConfirmation(r.Context(), s.baseURL(r), sub)
	if err != nil {
		s.d.Logger.Error("send confirmation", slog.String("subscriber", sub.ID), slog.Any("error", err))
	}
	return err
}

// mailConfirmation mails sub its double opt-in link under base; the link
// lives as long as an unconfirmed sign-up does.
func (s *Server) mailConfirmation(ctx context.Context, base string, sub *subscribers.Subscriber) error {
	link := base + "/c/" + subscribers.SignToken(s.keys, sub, subscribers.ActionConfirm, s.d.Now().Add(s.d.SignupExpiry))
	return s.d.SendConfirmation(ctx, sub, link)
}

func (s *Server) resendConfirmation(w http.ResponseWriter, r *http.Request) error {
	if s.d.SendConfirmation == nil {
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "", "confirmation emails are not configured on this server")
	}
	sub, err := s.d.Subs.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if sub.Status != subscribers.StatusPending {
		return errorf(http.StatusConflict, CodeExists, "status", "subscriber is "+string(sub.Status)+", not pending: nothing to confirm")
	}
	if err := s.sendConfirmation(r, sub); err != nil {
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "", "could not send the confirmation email; try again")
	}
	writeJSON(w, http.StatusAccepted, map[string]bool{"confirmation_sent": true})
	return nil
}

func (s *Server) getSubscriber(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.d.Subs.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view(sub))
	return nil
}

func (s *Server) patchSubscriber(w http.ResponseWriter, r *http.Request) error {
	var in subscriberInput
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	sub, err := s.d.Subs.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	switch {
	case in.ID != nil && *in.ID != sub.ID:
		return invalidField("id", "cannot change")
	case in.Confirm != nil:
		return invalidField("confirm", "only when creating; use POST /v1/subscribers/{id}/confirmation to resend")
	}
	if err := s.checkWebhook(in); err != nil {
		return err
	}
	before := sub.Status
	in.apply(sub)
	if err := s.d.Subs.Update(r.Context(), sub); err != nil {
		return err
	}
	s.emitUnsubscribe(r.Context(), before, sub)
	writeJSON(w, http.StatusOK, view(sub))
	return nil
}

func (s *Server) deleteSubscriber(w http.ResponseWriter, r *http.Request) error {
	if err := s.d.Subs.Remove(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// subscriberPage is the body of GET /v1/subscribers.
type subscriberPage struct {
	Subscribers []subscriberView `json:"subscribers"`
	NextCursor  string           `json:"next_cursor,omitempty"`
}

// listSubscribers pages through subscribers ordered by ID:
// ?limit=1..1000 (default 100), ?cursor= the next_cursor of the page
// before, ?kind=email|slack. The last page has no next_cursor.
func (s *Server) listSubscribers(w http.ResponseWriter, r *http.Request) error {
	q, err := parseListQuery(r)
	if err != nil {
		return err
	}
	page, err := s.listPage(r.Context(), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

type listQuery struct {
	after string
	limit int
	kind  subscribers.Kind
}

func parseListQuery(r *http.Request) (listQuery, error) {
	v := r.URL.Query()
	q := listQuery{limit: subscribers.DefaultListLimit, kind: subscribers.Kind(v.Get("kind"))}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > subscribers.MaxListLimit {
			return q, errorf(http.StatusBadRequest, CodeBadRequest, "limit", "want a number from 1 to "+strconv.Itoa(subscribers.MaxListLimit))
		}
		q.limit = n
	}
	if c := v.Get("cursor"); c != "" {
		after, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || len(after) == 0 {
			return q, errorf(http.StatusBadRequest, CodeBadRequest, "cursor", "not a cursor from a previous page")
		}
		q.after = string(after)
	}
	switch q.kind {
	case "", subscribers.KindEmail, subscribers.KindSlack:
		return q, nil
	}
	return q, errorf(http.StatusBadRequest, CodeBadRequest, "kind", "want email or slack")
}

// listPage reads store pages until q.limit subscribers of the kind asked
// for are found or the store ends, asking each time for no more than are
// still wanted, so no page is cut and the store's cursor is the API's.
func (s *Server) listPage(ctx context.Context, q listQuery) (subscriberPage, error) {
	page := subscriberPage{Subscribers: []subscriberView{}}
	after := q.after
	for len(page.Subscribers) < q.limit {
		subs, next, err := s.d.Subs.List(ctx, after, q.limit-len(page.Subscribers))
		if err != nil {
			return page, err
		}
		for _, sub := range subs {
			if q.kind == "" || sub.Kind == q.kind {
				page.Subscribers = append(page.Subscribers, view(sub))
			}
		}
		if next == "" {
			return page, nil
		}
		after = next
	}
	page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(after))
	return page, nil
}
