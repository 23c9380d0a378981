package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/digest"
)

func newStatusCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:     "status",
		Short:   "Due backlog, last tick, the last hour's deliveries by channel",
		Example: `  herald status`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return status(cmd.Context(), cfg, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

func status(ctx context.Context, cfg *app.Config, stdout, stderr io.Writer) error {
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
	empty, err := a.EmptySince(ctx, now.Add(-time.Hour), now)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "no stories:     %d digests in the last hour (nothing sent; their schedules advanced)\n", empty)
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
	fmt.Fprintln(tw, "CHANNEL\tSENT\tRETRYING\tFAILED\tPERMANENT")
	for _, c := range channels {
		m := counts[c]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", c, m["sent"], m["temporary"], m["failed"], m["permanent"])
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
