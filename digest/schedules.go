package digest

import (
	"sync"
	"time"

	"herald/subscribers"
)

// schedules keeps the schedules a Runner parsed, by spec: readers share a
// handful of specs, and parsing one is a cron parse and a score of
// allocations, once per delivery otherwise. It keeps maxSchedules at most.
type schedules struct {
	mu sync.RWMutex
	m  map[string]parsedSchedule
}

// parsedSchedule is a spec's schedule, ok false when the spec is bad.
type parsedSchedule struct {
	s  subscribers.Schedule
	ok bool
}

const maxSchedules = 4096

// parse is ParseSchedule(spec), remembered.
func (c *schedules) parse(spec string) parsedSchedule {
	c.mu.RLock()
	p, ok := c.m[spec]
	c.mu.RUnlock()
	if !ok {
		p = parseSchedule(spec)
		c.keep(spec, p)
	}
	return p
}

// keep remembers p for spec while there is room.
func (c *schedules) keep(spec string, p parsedSchedule) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]parsedSchedule)
	}
	if len(c.m) < maxSchedules {
		c.m[spec] = p
	}
}

func parseSchedule(spec string) parsedSchedule {
	s, err := subscribers.ParseSchedule(spec)
	return parsedSchedule{s: s, ok: err == nil}
}

// instant reports an instant subscriber (its messages are alerts), with
// the schedule parsed once per spec.
func (c *schedules) instant(sub *subscribers.Subscriber) bool {
	p := c.parse(sub.Schedule)
	return p.ok && p.s.Instant()
}

// nextDue is NextDue with the schedule parsed once per spec.
func (c *schedules) nextDue(sub *subscribers.Subscriber, now time.Time) time.Time {
	return nextDue(c.parse(sub.Schedule), sub, now)
}

// NextDue is the subscriber's next scheduled time after now, or zero for an
// instant subscriber (it becomes due again when a matching story lands).
func NextDue(sub *subscribers.Subscriber, now time.Time) time.Time {
	return nextDue(parseSchedule(sub.Schedule), sub, now)
}

func nextDue(p parsedSchedule, sub *subscribers.Subscriber, now time.Time) time.Time {
	if !p.ok || p.s.Instant() {
		return time.Time{}
	}
	if loc, err := subscribers.LoadLocation(sub.TimeZone); err == nil {
		return p.s.Next(now, loc)
	}
	return time.Time{}
}
