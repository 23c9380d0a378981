package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"herald/subscribers"
)

// prefsForm holds the preferences form's values, as stored or as posted.
type prefsForm struct {
	Topics     []string
	Schedule   string // daily, weekly, instant or custom
	Time       string // HH:MM
	Day        string // mon..sun
	TimeZone   string
	MaxStories string
	Status     string
}

// Schedule choices of the form.
const (
	schedDaily   = "daily"
	schedWeekly  = "weekly"
	schedInstant = "instant"
	schedCustom  = "custom" // a cron expression set through the API; kept as is
)

var dayValues = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// formFromSubscriber fills the form from a stored subscriber.
func formFromSubscriber(sub *subscribers.Subscriber) prefsForm {
	f := prefsForm{
		Topics: slices.Clone(sub.Topics), Schedule: schedCustom, Time: "07:00", Day: "mon",
		TimeZone: sub.TimeZone, MaxStories: strconv.Itoa(sub.MaxStories), Status: string(sub.Status),
	}
	w := strings.Fields(sub.Schedule) // canonical: "instant", "daily 07:00", "weekly mon 07:00"
	switch {
	case len(w) == 1 && w[0] == schedInstant:
		f.Schedule = schedInstant
	case len(w) == 2 && w[0] == schedDaily:
		f.Schedule, f.Time = schedDaily, w[1]
	case len(w) == 3 && w[0] == schedWeekly:
		f.Schedule, f.Day, f.Time = schedWeekly, w[1], w[2]
	}
	return f
}

// formFromRequest reads a posted preferences form.
func formFromRequest(r *http.Request) prefsForm {
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return prefsForm{
		Topics: r.PostForm["topic"], Schedule: get("schedule"), Time: trimSeconds(get("time")),
		Day: get("day"), TimeZone: get("time_zone"), MaxStories: get("max_stories"), Status: get("status"),
	}
}

// trimSeconds turns a browser's "07:30:00" into "07:30".
func trimSeconds(t string) string {
	if len(t) == 8 && strings.HasSuffix(t, ":00") {
		return t[:5]
	}
	return t
}

// fieldErrors maps a form field to what is wrong with it.
type fieldErrors map[string]string

// apply checks every field of f and, when all are right, writes them into
// sub. known are the topics a reader may tick; statuses the status choices
// the page offered (none: the status is not the reader's to change).
func (f prefsForm) apply(sub *subscribers.Subscriber, known map[string]bool, statuses []string) fieldErrors {
	errs := fieldErrors{}
	topics := f.checkTopics(known, errs)
	schedule := f.schedule(sub.Schedule, errs)
	if _, err := subscribers.LoadLocation(f.TimeZone); err != nil {
		errs["time_zone"] = "Enter a time zone name such as Europe/London (" + message(err) + ")."
	}
	maxStories, err := strconv.Atoi(f.MaxStories)
	if err != nil || maxStories < 1 || maxStories > subscribers.MaxMaxStories {
		errs["max_stories"] = fmt.Sprintf("Enter a number from 1 to %d.", subscribers.MaxMaxStories)
	}
	if len(statuses) > 0 && !slices.Contains(statuses, f.Status) {
		errs["status"] = "Choose whether to send or pause your digests."
	}
	if len(errs) > 0 {
		return errs
	}
	sub.Topics, sub.Schedule, sub.TimeZone, sub.MaxStories = topics, schedule, f.TimeZone, maxStories
	if len(statuses) > 0 {
		sub.Status = subscribers.Status(f.Status)
	}
	if err := sub.Validate(); err != nil {
		errs.add(err)
	}
	return errs
}

func (f prefsForm) checkTopics(known map[string]bool, errs fieldErrors) []string {
	topics := make([]string, 0, len(f.Topics))
	for _, t := range f.Topics {
		if !known[t] {
			errs["topics"] = fmt.Sprintf("%q is not a topic we publish; pick from the list.", t)
			return nil
		}
		topics = append(topics, t)
	}
	return topics
}

// schedule builds the schedule spec the form asks for; current is kept for
// the custom choice.
func (f prefsForm) schedule(current string, errs fieldErrors) string {
	switch f.Schedule {
	case schedInstant:
		return schedInstant
	case schedCustom:
		if formFromSubscriber(&subscribers.Subscriber{Schedule: current}).Schedule == schedCustom {
			return current
		}
	case schedDaily, schedWeekly:
		return f.clockSchedule(errs)
	}
	errs["schedule"] = "Choose daily, weekly or as stories land."
	return ""
}

func (f prefsForm) clockSchedule(errs fieldErrors) string {
	if _, err := subscribers.ParseSchedule("daily " + f.Time); err != nil || f.Time == "" || strings.ContainsRune(f.Time, ' ') {
		errs["time"] = "Enter a time as HH:MM on a 24-hour clock, such as 07:30."
	}
	if f.Schedule == schedDaily {
		return "daily " + f.Time
	}
	if !slices.Contains(dayValues, f.Day) {
		errs["day"] = "Choose a day of the week."
	}
	return "weekly " + f.Day + " " + f.Time
}

// add files a validation error from the store under its form field.
func (e fieldErrors) add(err error) {
	field := "form"
	var ve *subscribers.ValidationError
	if errors.As(err, &ve) {
		switch ve.Field {
		case "topics", "schedule", "time_zone", "max_stories", "status":
			field = ve.Field
		}
	}
	e[field] = message(err)
}

// message is a validation error's text without the package prefix.
func message(err error) string {
	var ve *subscribers.ValidationError
	if errors.As(err, &ve) {
		return ve.Message
	}
	return err.Error()
}

// fieldError is one line of the error summary, linking to its field.
type fieldError struct{ Anchor, Message string }

// errorOrder is the order of the fields on the page.
var errorOrder = []string{"email", "topics", "schedule", "time", "day", "time_zone", "max_stories", "status", "form"}

func (e fieldErrors) list() []fieldError {
	var out []fieldError
	for _, f := range errorOrder {
		if msg, ok := e[f]; ok {
			anchor := f
			if f == "form" {
				anchor = "main"
			}
			out = append(out, fieldError{Anchor: anchor, Message: msg})
		}
	}
	return out
}
