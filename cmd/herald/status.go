package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"herald/digest"
)

func cmdDeliveries(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := newFlags("deliveries", stderr)
	var q digest.Query
	fs.StringVar(&q.SubscriberID, "subscriber", "", "only this subscriber (id or email)")
	fs.BoolVar(&q.Failed, "failed", false, "only failed attempts")
	fs.IntVar(&q.Limit, "n", 50, "show at most this many")
	if err := parse(fs, cfg, args); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	if strings.Contains(q.SubscriberID, "@") {
		s, err := a.FindSubscriber(ctx, q.SubscriberID)
		if err != nil {
			return err
		}
		q.SubscriberID = s.ID
	}
	list, err := a.Log.Find(ctx, q)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tSUBSCRIBER\tCHANNEL\tRESULT\tATTEMPT\tSTORIES\tMESSAGE ID\tERROR")
	for _, d := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", d.At.UTC().Format(time.RFC3339), d.SubscriberID,
			d.Channel, d.Result, d.Attempt, d.Stories, d.MessageID, oneLine(d.Error, 120))
	}
	return tw.Flush()
}

func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := newFlags("status", stderr)
	if err := parse(fs, cfg, args); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	now := a.Now()
	due, oldest, err := a.Subs.Backlog(ctx, now)
	if err != nil {
		return err
	}
	last, err := a.LastTick(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "due now:        %d\n", due)
	fmt.Fprintf(stdout, "oldest overdue: %s\n", ago(now, oldest))
	fmt.Fprintf(stdout, "last tick:      %s\n", ago(now, last))
	recent, err := a.Log.Find(ctx, digest.Query{Since: now.Add(-time.Hour), Limit: 1 << 30})
	if err != nil {
		return err
	}
	return printHour(stdout, recent)
}

// printHour tabulates the last hour's deliveries by channel and result.
func printHour(w io.Writer, list []digest.Delivery) error {
	counts := map[string]map[string]int{}
	for _, d := range list {
		if counts[d.Channel] == nil {
			counts[d.Channel] = map[string]int{}
		}
		counts[d.Channel][d.Result]++
	}
	channels := make([]string, 0, len(counts))
	for c := range counts {
		channels = append(channels, c)
	}
	sort.Strings(channels)
	fmt.Fprintln(w, "\nlast hour, by channel:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tSENT\tNO STORIES\tRETRYING\tFAILED\tPERMANENT")
	for _, c := range channels {
		m := counts[c]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\n", c, m["sent"], m["empty"], m["temporary"], m["failed"], m["permanent"])
	}
	if len(channels) == 0 {
		fmt.Fprintln(tw, "(no deliveries)")
	}
	return tw.Flush()
}

func ago(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return fmt.Sprintf("%s (%s ago)", t.UTC().Format(time.RFC3339), now.Sub(t).Round(time.Second))
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
