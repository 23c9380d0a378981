package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"herald/subscribers"
)

// prefsSubject names the CSRF token of a subscriber's preferences form.
func prefsSubject(id string) string { return "preferences:" + id }

// prefsView is what preferences.html shows.
type prefsView struct {
	Title, Destination, Action, CSRF, Query string
	Saved                                   bool
	StatusNote                              string
	Err                                     fieldErrors
	ErrorList                               []fieldError
	Followed, Others                        []topicOption
	OthersHidden                            int
	Schedules                               []choice
	Time                                    string
	Days                                    []option
	TimeZone                                string
	Zones                                   []string
	MaxStories                              string
	Statuses                                []choice
	UnsubscribeAction                       string
}

type choice struct {
	Value, Label, Help string
	Checked            bool
}

type option struct {
	Value, Label string
	Selected     bool
}

// preferencesPage shows the reader's topics, schedule, time zone and
// status as one form. ?q= filters the topics offered; ?saved=1 says the
// last save worked.
func (s *Server) preferencesPage(w http.ResponseWriter, r *http.Request) {
	sub := s.subscriberFor(w, r, subscribers.ActionPreferences)
	if sub == nil {
		return
	}
	v, ok := s.prefsView(w, r, sub, formFromSubscriber(sub), nil)
	if !ok {
		return
	}
	v.Saved = r.URL.Query().Get("saved") == "1"
	s.render(w, http.StatusOK, "preferences", v)
}

// savePreferences checks the whole form and either saves it (303 back to
// the page, which says so) or shows it again with each problem next to its
// field and nothing changed (422). Store.Update recomputes the next due
// time when the schedule or zone changed, so the next digest follows it.
func (s *Server) savePreferences(w http.ResponseWriter, r *http.Request) {
	sub := s.subscriberFor(w, r, subscribers.ActionPreferences)
	if sub == nil || !s.checkForm(w, r, prefsSubject(sub.ID)) {
		return
	}
	registry, err := s.d.Stories.Topics(r.Context())
	if err != nil {
		s.unavailable(w, "topics", err)
		return
	}
	form := formFromRequest(r)
	changed := *sub
	errs := form.apply(&changed, knownTopics(registry, sub.Topics), statusChoices(sub.Status))
	if len(errs) == 0 {
		if errs, err = s.saveChanged(r.Context(), sub, &changed); err != nil {
			s.unavailable(w, "save preferences", err)
			return
		}
	}
	if len(errs) > 0 {
		if v, ok := s.prefsView(w, r, sub, form, errs); ok {
			s.render(w, http.StatusUnprocessableEntity, "preferences", v)
		}
		return
	}
	s.d.Logger.Info("preferences saved", slog.String("subscriber", sub.ID))
	http.Redirect(w, r, r.URL.Path+"?saved=1", http.StatusSeeOther)
}

// cannotMail explains a status the suppression list refuses.
const cannotMail = "This address is on our do-not-mail list because deliveries to it failed, so we cannot send it digests."

// saveChanged stores the reader's changes to old. A reader coming back
// after unsubscribing lifts their own "unsubscribed" suppression (the
// signed link is their say-so); a suppression for bounces or complaints
// stays, and the form says so. Problems with the input come back as field
// errors; the error is for a failing store.
func (s *Server) saveChanged(ctx context.Context, old, changed *subscribers.Subscriber) (fieldErrors, error) {
	errs := fieldErrors{}
	lifted := false
	if old.Status == subscribers.StatusUnsubscribed && changed.Status != subscribers.StatusUnsubscribed {
		var blocked bool
		var err error
		if lifted, blocked, err = s.liftOwnUnsubscribe(ctx, old); err != nil || blocked {
			errs["status"] = cannotMail
			return errs, err
		}
	}
	err := s.d.Subs.Update(ctx, changed)
	var ve *subscribers.ValidationError
	switch {
	case err == nil:
		s.emitUnsubscribe(ctx, old.Status, changed)
		if lifted {
			s.d.Logger.Info("reader resubscribed; unsubscribe suppression lifted", slog.String("subscriber", old.ID))
		}
		return errs, nil
	case errors.As(err, &ve):
		errs.add(err)
	case errors.Is(err, subscribers.ErrSuppressed):
		errs["status"] = cannotMail
	}
	if lifted { // put back what this save took away
		if serr := s.d.Subs.Suppress(ctx, old.Email, "unsubscribed"); serr != nil {
			s.d.Logger.Error("restore suppression", slog.String("subscriber", old.ID), slog.Any("error", serr))
		}
	}
	if len(errs) > 0 {
		return errs, nil
	}
	return errs, err
}

// liftOwnUnsubscribe lifts sub's suppression when its only reason is that
// the reader unsubscribed. blocked: another reason keeps it.
func (s *Server) liftOwnUnsubscribe(ctx context.Context, sub *subscribers.Subscriber) (lifted, blocked bool, err error) {
	if sub.Kind != subscribers.KindEmail {
		return false, false, nil
	}
	sup, err := s.d.Subs.Suppressed(ctx, sub.Email)
	switch {
	case err != nil:
		return false, false, err
	case sup == nil:
		return false, false, nil
	case sup.Reason != "unsubscribed":
		return false, true, nil
	}
	lifted, err = s.d.Subs.Unsuppress(ctx, sub.Email)
	return lifted, false, err
}

func (s *Server) unavailable(w http.ResponseWriter, what string, err error) {
	s.d.Logger.Error(what, slog.Any("error", err))
	s.message(w, http.StatusServiceUnavailable, unavailablePage)
}

// prefsView builds the page for sub showing form's values and errs. On a
// Redis failure it writes the 503 page and returns false.
func (s *Server) prefsView(w http.ResponseWriter, r *http.Request, sub *subscribers.Subscriber, form prefsForm, errs fieldErrors) (prefsView, bool) {
	registry, err := s.d.Stories.Topics(r.Context())
	if err != nil {
		s.unavailable(w, "topics", err)
		return prefsView{}, false
	}
	checked := make(map[string]bool, len(form.Topics))
	for _, t := range form.Topics {
		checked[t] = true
	}
	query := r.URL.Query().Get("q")
	tc := buildTopicChoices(registry, sub.Topics, checked, query)
	v := prefsView{
		Title: "Your preferences", Destination: destination(sub), Action: r.URL.Path,
		CSRF: csrfToken(s.d.Secret, prefsSubject(sub.ID), s.d.Now()), Query: query,
		StatusNote: statusNote(sub.Status), Err: errs, ErrorList: errs.list(),
		Followed: tc.Followed, Others: tc.Others, OthersHidden: tc.Hidden,
		Schedules: scheduleChoices(form.Schedule, sub.Schedule), Time: form.Time,
		Days: dayOptions(form.Day), TimeZone: form.TimeZone, Zones: commonZones,
		MaxStories: form.MaxStories, Statuses: statusView(statusChoices(sub.Status), form.Status),
	}
	if sub.Status != subscribers.StatusUnsubscribed {
		v.UnsubscribeAction = s.link("/u/", subscribers.ActionUnsubscribe, sub)
	}
	return v, true
}

func scheduleChoices(selected, current string) []choice {
	out := []choice{
		{Value: schedDaily, Label: "Daily", Help: "One digest a day at the time below."},
		{Value: schedWeekly, Label: "Weekly", Help: "One digest a week, on the day and at the time below."},
		{Value: schedInstant, Label: "As stories land", Help: "An alert soon after each new story on your topics."},
	}
	if formFromSubscriber(&subscribers.Subscriber{Schedule: current}).Schedule == schedCustom {
		out = append(out, choice{Value: schedCustom, Label: "Keep my custom schedule", Help: "Cron schedule “" + current + "”, set by your administrator."})
	}
	for i := range out {
		out[i].Checked = out[i].Value == selected
	}
	return out
}

var dayLabels = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

func dayOptions(selected string) []option {
	out := make([]option, len(dayValues))
	for i, d := range dayValues {
		out[i] = option{Value: d, Label: dayLabels[i], Selected: d == selected}
	}
	return out
}

// statusChoices are the statuses a reader may pick from their current
// one: send or pause, or come back after unsubscribing. A pending, bounced
// or failing subscriber's status is not the reader's to change here.
func statusChoices(current subscribers.Status) []string {
	switch current {
	case subscribers.StatusActive, subscribers.StatusPaused:
		return []string{string(subscribers.StatusActive), string(subscribers.StatusPaused)}
	case subscribers.StatusUnsubscribed:
		return []string{string(subscribers.StatusActive), string(subscribers.StatusPaused), string(subscribers.StatusUnsubscribed)}
	}
	return nil
}

var statusLabels = map[string]string{
	string(subscribers.StatusActive):       "Send my digests",
	string(subscribers.StatusPaused):       "Pause my digests for now (topics and settings are kept)",
	string(subscribers.StatusUnsubscribed): "Stay unsubscribed",
}

func statusView(values []string, selected string) []choice {
	out := make([]choice, 0, len(values))
	for _, v := range values {
		out = append(out, choice{Value: v, Label: statusLabels[v], Checked: v == selected})
	}
	return out
}

func statusNote(st subscribers.Status) string {
	switch st {
	case subscribers.StatusPending:
		return "Your subscription waits for you to confirm your address with the link in our confirmation email. Until then you get no digests."
	case subscribers.StatusPaused:
		return "Your digests are paused."
	case subscribers.StatusUnsubscribed:
		return "You are unsubscribed. Choose “Send my digests” below and save to subscribe again."
	case subscribers.StatusBounced:
		return "Digests to this address are suspended because deliveries to it failed."
	case subscribers.StatusFailing:
		return "Deliveries to this Slack destination are failing, so digests are suspended."
	}
	return ""
}
