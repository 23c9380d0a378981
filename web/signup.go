package web

import (
	"net/http"
	"strings"
	"time"

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

// signupOpen reports whether the public form is on: turned on, with a way
// to send its confirmation emails.
func (s *Server) signupOpen() bool { return s.d.Signup && s.d.SendConfirmation != nil }

// signupPage shows the public form: an email address and topics from the
// registry.
func (s *Server) signupPage(w http.ResponseWriter, r *http.Request) {
	if !s.signupOpen() {
		s.message(w, http.StatusNotFound, signupClosedPage)
		return
	}
	s.renderSignup(w, r, http.StatusOK, signupForm{TimeZone: "UTC"}, nil)
}

// signup checks the posted form and queues it for the sign-up workers
// (signup_work.go), which decide what the address gets. The handler does
// the same work, and answers the same page, whether or not the address is
// known, and waits for no email.
func (s *Server) signup(w http.ResponseWriter, r *http.Request) {
	if !s.signupOpen() {
		s.message(w, http.StatusNotFound, signupClosedPage)
		return
	}
	// A forged or stale form costs nothing; a valid one counts.
	if !s.checkForm(w, r, signupSubject) || !s.admitSignup(w, r) {
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
	if !s.enqueueSignup(signupJob{sub: sub, base: s.baseURL(r)}) {
		setRetryAfter(w, time.Minute)
		s.message(w, http.StatusServiceUnavailable, signupBusyPage)
		return
	}
	s.message(w, http.StatusOK, s.checkInboxView(form.Email))
}

var signupBusyPage = messageView{Title: "Please try again", Paragraphs: []string{
	"We are taking many sign-ups just now. Please try again in a minute."}}

// checkInboxView is the answer to every accepted sign-up.
func (s *Server) checkInboxView(email string) messageView {
	return messageView{Title: "Check your inbox", Paragraphs: []string{
		"We are sending a link to " + email + ". Open it within " + spell(s.d.SignupExpiry) +
			" to confirm your subscription; until then you get no digests.",
		"No email after a few minutes? Check your spam folder. You can ask for a new link by signing up again after " +
			spell(s.d.SignupCooldown) + "."}}
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
