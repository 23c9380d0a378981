package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"herald/digest"
	"herald/subscribers"
)

// Searching walks the subscribers page by page (subscribers.List) and
// keeps those whose ID, address, name or Slack channel contains the query;
// an exact ID or address is found at once. One request reads at most
// searchScan subscribers, then offers the next page from where it stopped.
const (
	searchPage = 25
	searchScan = 5000
)

type subscribersView struct {
	Query, Next string
	Results     []*subscribers.Subscriber
	Scanned     int
}

func (s *Server) adminSubscribers(w http.ResponseWriter, r *http.Request, ss session) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	v, err := s.searchSubscribers(r.Context(), q, r.URL.Query().Get("after"))
	if errors.Is(err, subscribers.ErrBadCursor) {
		s.adminMessage(w, http.StatusBadRequest, ss, "Page not found", "This page of results is not one the console offered. Start the search again.")
		return
	}
	if err != nil {
		s.adminUnavailable(w, ss, "subscribers", err)
		return
	}
	s.renderAdmin(w, http.StatusOK, "subscribers", s.page(ss, "Subscribers", "subscribers", v))
}

func (s *Server) searchSubscribers(ctx context.Context, q, after string) (subscribersView, error) {
	v := subscribersView{Query: q}
	if after == "" && q != "" {
		if sub, err := s.exactSubscriber(ctx, q); err != nil || sub != nil {
			v.Results = append(v.Results, sub)
			return v, err
		}
	}
	next := after
	for len(v.Results) < searchPage && v.Scanned < searchScan {
		page, n, err := s.d.Subs.List(ctx, next, 200)
		if err != nil {
			return v, err
		}
		v.Scanned += len(page)
		v.Results = append(v.Results, matching(page, q)...)
		if next = n; next == "" {
			break
		}
	}
	v.Next = next
	return v, nil
}

// exactSubscriber is the subscriber whose ID or address is q, or nil.
func (s *Server) exactSubscriber(ctx context.Context, q string) (*subscribers.Subscriber, error) {
	get := s.d.Subs.Get
	if strings.Contains(q, "@") {
		get = s.d.Subs.GetByEmail
	}
	sub, err := get(ctx, q)
	if errors.Is(err, subscribers.ErrNotFound) || isInvalid(err) {
		return nil, nil
	}
	return sub, err
}

func isInvalid(err error) bool {
	var ve *subscribers.ValidationError
	return errors.As(err, &ve)
}

func matching(page []*subscribers.Subscriber, q string) []*subscribers.Subscriber {
	if q == "" {
		return page
	}
	q = strings.ToLower(q)
	var out []*subscribers.Subscriber
	for _, sub := range page {
		hay := strings.ToLower(sub.ID + "\n" + sub.Email + "\n" + sub.Name + "\n" + sub.SlackChannel)
		if strings.Contains(hay, q) {
			out = append(out, sub)
		}
	}
	return out
}

type adminSubscriberView struct {
	Sub        *subscribers.Subscriber
	DueAt      time.Time
	Deliveries []digest.Delivery
	Actions    []string
	// Suppression is the address's entry on the suppression list, if any.
	Suppression *subscribers.Suppression
}

func (s *Server) adminSubscriber(w http.ResponseWriter, r *http.Request, ss session) {
	v, err := s.subscriberData(r.Context(), r.PathValue("id"))
	if errors.Is(err, subscribers.ErrNotFound) || isInvalid(err) {
		s.adminMessage(w, http.StatusNotFound, ss, "Subscriber not found", "There is no subscriber "+r.PathValue("id")+".")
		return
	}
	if err != nil {
		s.adminUnavailable(w, ss, "subscriber", err)
		return
	}
	p := s.page(ss, destinationOf(v.Sub), "subscribers", v)
	p.Notice = doneNotice[r.URL.Query().Get("done")]
	s.renderAdmin(w, http.StatusOK, "subscriber", p)
}

var doneNotice = map[string]string{
	"pause": "Paused: no digests until resumed.", "resume": "Resumed: digests start again on schedule.",
	"unsubscribe": "Unsubscribed: this address gets no more digests.",
	"unsuppress":  "Suppression lifted: resume the subscriber to send again.",
}

func (s *Server) subscriberData(ctx context.Context, id string) (adminSubscriberView, error) {
	sub, err := s.d.Subs.Get(ctx, id)
	if err != nil {
		return adminSubscriberView{}, err
	}
	v := adminSubscriberView{Sub: sub, Actions: actionsFor(sub.Status)}
	if v.DueAt, err = s.d.Subs.DueAt(ctx, id); err != nil {
		return v, err
	}
	if sub.Email != "" {
		if v.Suppression, err = s.d.Subs.Suppressed(ctx, sub.Email); err != nil {
			return v, err
		}
	}
	if s.d.Console.Deliveries != nil {
		v.Deliveries, err = s.d.Console.Deliveries.Find(ctx, digest.Query{SubscriberID: id, Limit: 20})
	}
	return v, err
}

// actionsFor is what an operator may do to a subscriber in status st,
// deleting aside.
func actionsFor(st subscribers.Status) []string {
	switch st {
	case subscribers.StatusActive:
		return []string{"pause", "unsubscribe"}
	case subscribers.StatusPaused, subscribers.StatusFailing:
		return []string{"resume", "unsubscribe"}
	case subscribers.StatusPending:
		return []string{"unsubscribe"}
	}
	return nil
}

var actionStatus = map[string]subscribers.Status{
	"pause": subscribers.StatusPaused, "resume": subscribers.StatusActive, "unsubscribe": subscribers.StatusUnsubscribed,
}

// subscriberAction runs one of the subscriber page's buttons.
func (s *Server) subscriberAction(w http.ResponseWriter, r *http.Request, ss session) {
	id, action := r.PathValue("id"), r.PathValue("action")
	err := s.applyAction(r.Context(), id, action)
	switch {
	case errors.Is(err, errUnknownAction):
		s.adminMessage(w, http.StatusNotFound, ss, "No such action", "The console has no action "+action+".")
	case errors.Is(err, subscribers.ErrNotFound):
		s.adminMessage(w, http.StatusNotFound, ss, "Subscriber not found", "There is no subscriber "+id+".")
	case isInvalid(err) || errors.Is(err, subscribers.ErrSuppressed):
		s.adminMessage(w, http.StatusConflict, ss, "Not changed", err.Error())
	case err != nil:
		s.adminUnavailable(w, ss, action, err)
	default:
		s.d.Logger.Info("console: subscriber "+action, slog.String("operator", ss.Email), slog.String("subscriber", id))
		s.afterAction(w, r, id, action)
	}
}

func (s *Server) afterAction(w http.ResponseWriter, r *http.Request, id, action string) {
	if action == "delete" {
		http.Redirect(w, r, "/admin/subscribers?deleted="+url.QueryEscape(id), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/admin/subscribers/"+url.PathEscape(id)+"?done="+action, http.StatusSeeOther)
}

var errUnknownAction = errors.New("web: console: unknown action")

func (s *Server) applyAction(ctx context.Context, id, action string) error {
	if action == "delete" {
		return s.d.Subs.Remove(ctx, id)
	}
	status, ok := actionStatus[action]
	if !ok {
		return errUnknownAction
	}
	sub, err := s.d.Subs.Get(ctx, id)
	if err != nil {
		return err
	}
	sub.Status = status
	return s.d.Subs.Update(ctx, sub)
}

// adminPreview shows the digest the subscriber would get now, as the
// API's preview does (sandboxed: the message's own HTML).
func (s *Server) adminPreview(w http.ResponseWriter, r *http.Request, ss session) {
	if s.d.Preview == nil {
		s.adminMessage(w, http.StatusServiceUnavailable, ss, "No preview", "Preview is not configured on this server.")
		return
	}
	msg, _, err := s.d.Preview(r.Context(), r.PathValue("id"))
	if errors.Is(err, subscribers.ErrNotFound) {
		s.adminMessage(w, http.StatusNotFound, ss, "Subscriber not found", "There is no subscriber "+r.PathValue("id")+".")
		return
	}
	format := "html"
	if err == nil && msg.Email == nil {
		format = "slack"
	}
	if err == nil {
		w.Header().Set("X-Frame-Options", "DENY")
		err = writePreview(w, format, msg)
	}
	if err != nil {
		s.adminUnavailable(w, ss, "preview", err)
	}
}

// destinationOf names a subscriber for a title: the address or channel.
func destinationOf(sub *subscribers.Subscriber) string {
	if sub.Email != "" {
		return sub.Email
	}
	if sub.SlackChannel != "" {
		return sub.SlackChannel
	}
	return sub.ID
}
