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
	if ok {
		return p
	}
	s, err := subscribers.ParseSchedule(spec)
	p = parsedSchedule{s: s, ok: err == nil}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]parsedSchedule)
	}
	if len(c.m) < maxSchedules {
		c.m[spec] = p
	}
	return p
}

// nextDue is NextDue with the schedule parsed once per spec.
func (c *schedules) nextDue(sub *subscribers.Subscriber, now time.Time) time.Time {
	return nextDue(c.parse(sub.Schedule), sub, now)
}

// NextDue is the subscriber's next scheduled time after now, or zero for an
// instant subscriber (it becomes due again when a matching story lands).
func NextDue(sub *subscribers.Subscriber, now time.Time) time.Time {
	s, err := subscribers.ParseSchedule(sub.Schedule)
	return nextDue(parsedSchedule{s: s, ok: err == nil}, sub, now)
}

func nextDue(p parsedSchedule, sub *subscribers.Subscriber, now time.Time) time.Time {
	if !p.ok || p.s.Instant() {
		return time.Time{}
	}
	loc, err := subscribers.LoadLocation(sub.TimeZone)
	if err != nil {
		return time.Time{}
	}
	return p.s.Next(now, loc)
}
