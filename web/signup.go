package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"herald/subscribers"
)

// signupSubject names the CSRF token of the sign-up form.
const signupSubject = "signup"

// signupView is what signup.html shows.
type signupView struct {
	Title, Action, CSRF, Query, Email, TimeZone string
	Err                                         fieldErrors
	ErrorList                                   []fieldError
	Others                                      []topicOption
	OthersHidden                                int
	Zones                                       []string
}

// signupForm is the posted sign-up form.
type signupForm struct {
	Email, TimeZone string
	Topics          []string
}

var signupClosedPage = messageView{Title: "Sign-up is closed", Paragraphs: []string{
	"This server does not take sign-ups on the web. Ask the newsroom how to subscribe."}}

// signupPage shows the public form: an email address and topics from the
// registry. It is there only when confirmation emails can be sent.
func (s *Server) signupPage(w http.ResponseWriter, r *http.Request) {
	if s.d.SendConfirmation == nil {
		s.message(w, http.StatusNotFound, signupClosedPage)
		return
	}
	s.renderSignup(w, r, http.StatusOK, signupForm{TimeZone: "UTC"}, nil)
}

// signup creates a pending subscriber (or refreshes a pending or
// unsubscribed one) and mails the confirmation link. The answer is the
// same whether or not the address was known, so the form tells no one who
// subscribes.
func (s *Server) signup(w http.ResponseWriter, r *http.Request) {
	if s.d.SendConfirmation == nil {
		s.message(w, http.StatusNotFound, signupClosedPage)
		return
	}
	if !s.checkForm(w, r, signupSubject) {
		return
	}
	form := signupForm{
		Email:    strings.TrimSpace(r.PostFormValue("email")),
		TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")),
		Topics:   r.PostForm["topic"],
	}
	registry, err := s.d.Stories.Topics(r.Context())
	if err != nil {
		s.unavailable(w, "topics", err)
		return
	}
	sub, errs := form.subscriber(knownTopics(registry, nil))
	if len(errs) > 0 {
		s.renderSignup(w, r, http.StatusUnprocessableEntity, form, errs)
		return
	}
	sub, err = s.upsertPending(r.Context(), sub)
	if err == nil && sub != nil {
		err = s.sendConfirmation(r, sub)
	}
	if err != nil {
		s.unavailable(w, "signup", err)
		return
	}
	s.message(w, http.StatusOK, messageView{Title: "Check your inbox", Paragraphs: []string{
		"We sent a link to " + form.Email + ". Open it to confirm your subscription; until then you get no digests.",
		"The link works for 7 days. No email? Check your spam folder, or sign up again."}})
}

// subscriber checks the form and returns the pending subscriber it asks for.
func (f signupForm) subscriber(known map[string]bool) (*subscribers.Subscriber, fieldErrors) {
	errs := fieldErrors{}
	email, err := subscribers.NormalizeEmail(f.Email)
	if err != nil {
		errs["email"] = "Enter an email address such as name@example.com (" + message(err) + ")."
	}
	if len(f.Topics) == 0 {
		errs["topics"] = "Choose at least one topic."
	}
	for _, t := range f.Topics {
		if !known[t] {
			errs["topics"] = "Choose topics from the list."
		}
	}
	if _, err := subscribers.LoadLocation(f.TimeZone); err != nil {
		errs["time_zone"] = "Enter a time zone name such as Europe/London (" + message(err) + ")."
	}
	sub := &subscribers.Subscriber{Kind: subscribers.KindEmail, Email: email, TimeZone: f.TimeZone,
		Topics: f.Topics, Status: subscribers.StatusPending}
	if len(errs) == 0 {
		if err := sub.Validate(); err != nil {
			errs.add(err)
		}
	}
	return sub, errs
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

func (s *Server) renderSignup(w http.ResponseWriter, r *http.Request, status int, f signupForm, errs fieldErrors) {
	registry, err := s.d.Stories.Topics(r.Context())
	if err != nil {
		s.unavailable(w, "topics", err)
		return
	}
	checked := make(map[string]bool, len(f.Topics))
	for _, t := range f.Topics {
		checked[t] = true
	}
	query := r.URL.Query().Get("q")
	tc := buildTopicChoices(registry, nil, checked, query)
	s.render(w, status, "signup", signupView{
		Title: "Sign up", Action: "/signup", CSRF: csrfToken(s.d.Secret, signupSubject, s.d.Now()),
		Query: query, Email: f.Email, TimeZone: f.TimeZone, Err: errs, ErrorList: errs.list(),
		Others: tc.Others, OthersHidden: tc.Hidden, Zones: commonZones,
	})
}
