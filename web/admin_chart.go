package web

import (
	"strconv"
	"time"

	"herald/digest"
)

// chart is the dashboard's bar chart, drawn server-side as SVG by the
// template: one bar an hour for the last 24 hours, the messages sent in
// it, with the failed and bounced ones stacked on top.
type chart struct {
	Width, Height int
	Bars          []bar
	Max           int
}

// bar is one hour: its x, and the heights and tops of its two parts.
type bar struct {
	X, W              int
	SentY, SentH      int
	FailY, FailH      int
	Label             string // for the <title>: the hour and its counts
	Sent, Failed      int
	ShowHour          bool
	HourLabel, LabelX string
}

const (
	chartHours  = 24
	chartBarW   = 12
	chartGap    = 2
	chartHeight = 120
)

func hourlyChart(ds []digest.Delivery, now time.Time) chart {
	start := now.Truncate(time.Hour).Add(-(chartHours - 1) * time.Hour)
	sent, failed := make([]int, chartHours), make([]int, chartHours)
	for _, d := range ds {
		i := int(d.At.Sub(start) / time.Hour)
		if i < 0 || i >= chartHours {
			continue
		}
		if d.Result == "sent" {
			sent[i]++
		} else if d.Result != "empty" {
			failed[i]++
		}
	}
	return drawChart(start, sent, failed)
}

func drawChart(start time.Time, sent, failed []int) chart {
	c := chart{Width: chartHours * (chartBarW + chartGap), Height: chartHeight, Max: 1}
	for i := range sent {
		c.Max = max(c.Max, sent[i]+failed[i])
	}
	for i := range sent {
		c.Bars = append(c.Bars, c.bar(i, start.Add(time.Duration(i)*time.Hour), sent[i], failed[i]))
	}
	return c
}

func (c chart) bar(i int, hour time.Time, sent, failed int) bar {
	plot := c.Height - 16 // room for the hour labels
	sh, fh := sent*plot/c.Max, failed*plot/c.Max
	b := bar{X: i * (chartBarW + chartGap), W: chartBarW, Sent: sent, Failed: failed,
		SentH: sh, SentY: plot - sh, FailH: fh, FailY: plot - sh - fh,
		Label:     hour.UTC().Format("15:00") + " UTC: " + strconv.Itoa(sent) + " sent, " + strconv.Itoa(failed) + " failed or bounced",
		ShowHour:  i%6 == 0,
		HourLabel: hour.UTC().Format("15h")}
	b.LabelX = strconv.Itoa(b.X)
	return b
}
