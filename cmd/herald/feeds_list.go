package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/feeds"
)

func newFeedsListCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List feeds with the outcome of their last poll and their next one",
		Example: "  herald feeds list",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				list, err := a.Feeds.List(ctx)
				if err != nil {
					return err
				}
				return listFeeds(list, a.Now(), cmd.OutOrStdout())
			})
		},
	}
}

func listFeeds(list []*feeds.Feed, now time.Time, stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tURL\tTOPICS\tEVERY\tNEXT POLL\tSTATUS")
	for _, f := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\t%s\n", f.ID, f.URL, feedTopics(f), f.Interval, nextPoll(f, now), feedStatus(f.Status))
	}
	if len(list) == 0 {
		fmt.Fprintln(tw, "(no feeds: herald feeds add URL --topics a,b)")
	}
	return tw.Flush()
}

func feedTopics(f *feeds.Feed) string {
	parts := []string{strings.Join(f.Topics, ",")}
	for _, r := range f.Rules {
		parts = append(parts, r.Category+"="+r.Topic)
	}
	return strings.Join(parts, " ")
}

func nextPoll(f *feeds.Feed, now time.Time) string {
	if f.Due(now) {
		return "now"
	}
	return f.Status.NextPoll.UTC().Format(time.RFC3339)
}

// feedStatus is "ok", "not polled yet" or the error and since when.
func feedStatus(st feeds.Status) string {
	switch {
	case st.LastPoll.IsZero():
		return "not polled yet"
	case !st.OK():
		return fmt.Sprintf("error since %s (%d in a row): %s", st.ErrorSince.UTC().Format(time.RFC3339), st.Failures, st.LastError)
	case st.Rejected > 0:
		return fmt.Sprintf("ok, %d of %d items rejected (%s)", st.Rejected, st.Items, st.ItemError)
	}
	return fmt.Sprintf("ok (%d items)", st.Items)
}
