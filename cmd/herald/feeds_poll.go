package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/feeds"
)

func newFeedsPollCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "poll",
		Short: "Poll every feed once now, due or not (for cron and tests)",
		Long: `Poll every feed once now and ingest its new and changed items. A feed
another process is polling at that moment is skipped. Exit status 1 when
some feeds failed, 2 when all did.`,
		Example: "  herald feeds poll",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				out, err := a.FeedPoller.PollAll(ctx)
				if err != nil {
					return err
				}
				return reportPolls(out, cmd.OutOrStdout())
			})
		},
	}
}

func reportPolls(out []feeds.Outcome, stdout io.Writer) error {
	failed := 0
	for _, o := range out {
		switch {
		case o.Error != "":
			failed++
			fmt.Fprintf(stdout, "%s %s: error: %s\n", o.Feed, o.URL, o.Error)
		case o.Skipped:
			fmt.Fprintf(stdout, "%s %s: skipped (another process is polling it)\n", o.Feed, o.URL)
		case o.NotModified:
			fmt.Fprintf(stdout, "%s %s: not modified\n", o.Feed, o.URL)
		default:
			fmt.Fprintf(stdout, "%s %s: %d new, %d updated, %d unchanged, %d rejected\n", o.Feed, o.URL, o.New, o.Updated, o.Unchanged, o.Rejected)
		}
	}
	fmt.Fprintf(stdout, "polled %d feeds, %d failed\n", len(out), failed)
	switch {
	case failed == 0:
		return nil
	case failed == len(out):
		return fmt.Errorf("feeds poll: every feed failed")
	}
	return partly(fmt.Errorf("feeds poll: %d of %d feeds failed", failed, len(out)))
}
