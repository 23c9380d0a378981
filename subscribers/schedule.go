package subscribers

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zones work on machines without a zoneinfo database
	"unicode"

	"github.com/robfig/cron/v3"
)

// DefaultSchedule is the schedule a subscriber gets when none is given.
const DefaultSchedule = "daily 07:00"

// maxSpecLen bounds a schedule spec; real ones are a few dozen bytes.
const maxSpecLen = 128

// maxNextSteps bounds the wall-clock search in Next. A DST change costs at
// most a few hundred steps (a per-minute cron across a one-hour change).
const maxNextSteps = 5000

type scheduleKind int

const (
	kindInstant scheduleKind = iota + 1
	kindDaily
	kindWeekly
	kindCron
)

// Schedule says when a subscriber's digest falls due, in the subscriber's
// own time zone. The zero Schedule never fires.
type Schedule struct {
	kind      scheduleKind
	canonical string
	spec      cron.Schedule // wall-clock schedule; nil for instant
}

// ParseSchedule parses a schedule spec:
//
//	instant
//	daily HH:MM | daily at HH:MM
//	weekly DAY HH:MM | weekly on DAY at HH:MM   (DAY: mon..sun or full names)
//	a standard 5-field cron expression, or @hourly, @daily, @weekly, ...
//
// Keywords and day names are case-insensitive. A cron expression carries no
// time zone (no CRON_TZ= or TZ= prefix): the zone is the subscriber's
// TimeZone. @every is refused: digests follow the clock, not an interval.
func ParseSchedule(spec string) (Schedule, error) {
	spec = strings.Join(strings.Fields(spec), " ")
	if err := checkSpecText(spec); err != nil {
		return Schedule{}, err
	}
	words := strings.Fields(strings.ToLower(spec))
	switch words[0] {
	case "instant":
		if len(words) != 1 {
			return Schedule{}, scheduleError("instant takes no arguments")
		}
		return Schedule{kind: kindInstant, canonical: "instant"}, nil
	case "daily":
		return parseDaily(words[1:])
	case "weekly":
		return parseWeekly(words[1:])
	}
	return parseCron(spec)
}

// String returns the canonical form: "instant", "daily 07:00",
// "weekly mon 07:00", or the cron expression single-spaced.
func (s Schedule) String() string { return s.canonical }

// Instant reports whether the subscriber gets an alert per story rather than
// a digest on a clock.
func (s Schedule) Instant() bool { return s.kind == kindInstant }

// Next returns the first time the schedule fires strictly after after, in
// loc (UTC when nil). It returns the zero time for instant schedules.
//
// The search runs on wall-clock time, so a daylight-saving change never
// makes a digest fire twice or not at all: a wall time that does not exist
// (the spring-forward gap) fires at the same distance past the change (02:30
// becomes 03:30), and a wall time that happens twice (fall-back) fires at
// its first occurrence only.
func (s Schedule) Next(after time.Time, loc *time.Location) time.Time {
	if s.spec == nil {
		return time.Time{}
	}
	if loc == nil {
		loc = time.UTC
	}
	wall := wallClock(after.In(loc)).Add(-recentGap(after, loc))
	for range maxNextSteps {
		wall = s.spec.Next(wall)
		if wall.IsZero() {
			return time.Time{}
		}
		if t := wallToInstant(wall, loc); t.After(after) {
			return t
		}
	}
	return time.Time{}
}

func checkSpecText(spec string) error {
	switch {
	case spec == "":
		return scheduleError("required")
	case len(spec) > maxSpecLen:
		return scheduleError(fmt.Sprintf("longer than %d bytes", maxSpecLen))
	case strings.IndexFunc(spec, unicode.IsControl) >= 0:
		return scheduleError("contains control characters")
	}
	return nil
}

func parseDaily(args []string) (Schedule, error) {
	if len(args) > 0 && args[0] == "at" {
		args = args[1:]
	}
	if len(args) != 1 {
		return Schedule{}, scheduleError(`want "daily HH:MM" or "daily at HH:MM"`)
	}
	h, m, err := parseClock(args[0])
	if err != nil {
		return Schedule{}, err
	}
	canonical := fmt.Sprintf("daily %02d:%02d", h, m)
	return fromCron(kindDaily, canonical, fmt.Sprintf("%d %d * * *", m, h))
}

func parseWeekly(args []string) (Schedule, error) {
	if len(args) > 0 && args[0] == "on" {
		args = args[1:]
	}
	if len(args) == 3 && args[1] == "at" {
		args = []string{args[0], args[2]}
	}
	if len(args) != 2 {
		return Schedule{}, scheduleError(`want "weekly DAY HH:MM" or "weekly on DAY at HH:MM"`)
	}
	day, ok := weekdays[args[0]]
	if !ok {
		return Schedule{}, scheduleError(fmt.Sprintf("unknown day %q (want mon..sun)", args[0]))
	}
	h, m, err := parseClock(args[1])
	if err != nil {
		return Schedule{}, err
	}
	canonical := fmt.Sprintf("weekly %s %02d:%02d", dayNames[day], h, m)
	return fromCron(kindWeekly, canonical, fmt.Sprintf("%d %d * * %d", m, h, day))
}

var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

var weekdays = func() map[string]time.Weekday {
	m := make(map[string]time.Weekday, 14)
	for d := time.Sunday; d <= time.Saturday; d++ {
		m[dayNames[d]] = d
		m[strings.ToLower(d.String())] = d
	}
	return m
}()

// parseClock parses H:MM or HH:MM on a 24-hour clock.
func parseClock(s string) (hour, minute int, err error) {
	hs, ms, ok := strings.Cut(s, ":")
	if !ok || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 {
		return 0, 0, scheduleError(fmt.Sprintf("bad time %q (want HH:MM)", s))
	}
	hour, herr := strconv.Atoi(hs)
	minute, merr := strconv.Atoi(ms)
	if herr != nil || merr != nil || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
		!isDigits(hs) || !isDigits(ms) {
		return 0, 0, scheduleError(fmt.Sprintf("bad time %q (want HH:MM, 00:00 to 23:59)", s))
	}
	return hour, minute, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func parseCron(spec string) (Schedule, error) {
	upper := strings.ToUpper(spec)
	switch {
	case strings.HasPrefix(upper, "CRON_TZ=") || strings.HasPrefix(upper, "TZ="):
		return Schedule{}, scheduleError("no time zone in the schedule: set the subscriber's time_zone instead")
	case strings.HasPrefix(spec, "@every"):
		return Schedule{}, scheduleError("@every is not supported: use a clock schedule (daily, weekly or cron)")
	}
	return fromCron(kindCron, spec, spec)
}

// fromCron parses a standard cron expression into a schedule that runs on
// wall-clock time, refusing one that never fires.
func fromCron(kind scheduleKind, canonical, expr string) (Schedule, error) {
	spec, err := safeParseStandard(expr)
	if err != nil {
		return Schedule{}, scheduleError(fmt.Sprintf("bad cron expression %q: %v", expr, err))
	}
	if _, ok := spec.(*cron.SpecSchedule); !ok {
		return Schedule{}, scheduleError(fmt.Sprintf("unsupported cron expression %q", expr))
	}
	probe := time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)
	if spec.Next(probe).IsZero() {
		return Schedule{}, scheduleError(fmt.Sprintf("cron expression %q never fires", expr))
	}
	return Schedule{kind: kind, canonical: canonical, spec: spec}, nil
}

// safeParseStandard calls cron.ParseStandard, turning a panic on odd input
// into an error.
func safeParseStandard(expr string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("unparsable (%v)", r)
		}
	}()
	return cron.ParseStandard(expr)
}

func scheduleError(msg string) error {
	return &ValidationError{Field: "schedule", Message: msg}
}

// wallClock returns t's wall-clock reading as a UTC time, so that cron
// arithmetic on it never meets a daylight-saving change.
func wallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// recentGap is how far loc's clocks jumped forward during the day before
// at (zero when they did not): wall times in the gap map to instants after
// it, so the search must look back that far to not miss them.
func recentGap(at time.Time, loc *time.Location) time.Duration {
	_, now := at.In(loc).Zone()
	_, before := at.Add(-24 * time.Hour).In(loc).Zone()
	if now <= before {
		return 0
	}
	return time.Duration(now-before) * time.Second
}

// wallToInstant maps a wall-clock reading (held as a UTC time) to the
// instant it names in loc. A reading in a spring-forward gap moves forward
// by the gap's length; a reading that happens twice maps to the first.
func wallToInstant(wall time.Time, loc *time.Location) time.Time {
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), loc)
	if !wallClock(t).Equal(wall) {
		_, off := t.Zone()
		if fwd := wall.Add(-time.Duration(off) * time.Second).In(loc); fwd.After(t) {
			return fwd
		}
		return t
	}
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	_, prev := start.Add(-time.Nanosecond).Zone()
	if first := wall.Add(-time.Duration(prev) * time.Second).In(loc); first.Before(t) && wallClock(first).Equal(wall) {
		return first
	}
	return t
}

var locations sync.Map // zone name -> *time.Location

// LoadLocation returns the IANA time zone called name ("Europe/London",
// "UTC"). It refuses "", "Local" and names with control characters; the
// error's Field is "time_zone".
func LoadLocation(name string) (*time.Location, error) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	switch {
	case name == "":
		return nil, tzError("required (an IANA zone such as Europe/London)")
	case name == "Local":
		return nil, tzError(`"Local" is not a zone: name one, such as Europe/London`)
	case len(name) > 64 || strings.IndexFunc(name, unicode.IsControl) >= 0:
		return nil, tzError("not an IANA zone name")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, tzError(fmt.Sprintf("unknown zone %q", name))
	}
	locations.Store(name, loc)
	return loc, nil
}

func tzError(msg string) error {
	return &ValidationError{Field: "time_zone", Message: msg}
}
