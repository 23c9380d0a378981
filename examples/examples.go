// Package examples holds Herald's example data, embedded in the binary: a
// batch of stories (the seed story from the newsroom and invented stories
// across several topics, published 27-29 November 2026) and a CSV of
// readers in time zones with whole, half- and quarter-hour offsets. The demo
// imports them, and tests use them as realistic input.
//
// stories.json is a JSON array in the form stories.Parse reads. The first
// story is the seed page converted field by field; the others are invented
// and name invented outlets on example domains.
//
// subscribers.csv has the header email,name,time_zone,schedule,topics,
// max_stories; topics are slugs separated by ";", schedules are "daily
// HH:MM", "weekly DAY HH:MM", "instant" or a cron expression, in the
// reader's IANA time zone.
package examples

import _ "embed"

//go:embed stories.json
var stories []byte

//go:embed subscribers.csv
var subscribersCSV []byte

// Stories returns a copy of stories.json.
func Stories() []byte { return clone(stories) }

// SubscribersCSV returns a copy of subscribers.csv.
func SubscribersCSV() []byte { return clone(subscribersCSV) }

func clone(b []byte) []byte { return append([]byte(nil), b...) }
