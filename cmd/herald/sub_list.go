package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/subscribers"
)

func newListCmd(cfg *app.Config, kind subscribers.Kind) *cobra.Command {
	parent := "subscribers"
	if kind == subscribers.KindSlack {
		parent = "teams"
	}
	return &cobra.Command{
		Use:     "list",
		Short:   "List " + parent + " with their status, schedule and next digest",
		Example: "  herald " + parent + " list",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				return listSubscribers(ctx, a, kind, cmd.OutOrStdout())
			})
		},
	}
}

func listSubscribers(ctx context.Context, a *app.App, kind subscribers.Kind, stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDESTINATION\tSTATUS\tTIME ZONE\tSCHEDULE\tNEXT DUE\tTOPICS")
	after := ""
	for {
		page, next, err := a.Subs.List(ctx, after, 500)
		if err != nil {
			return err
		}
		for _, s := range page {
			if s.Kind != kind {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, destination(s), s.Status,
				s.TimeZone, s.Schedule, describeDue(s), strings.Join(s.Topics, ","))
		}
		if next == "" {
			return tw.Flush()
		}
		after = next
	}
}

// destination says where a subscriber's messages go, never printing a
// webhook URL in full.
func destination(s *subscribers.Subscriber) string {
	switch {
	case s.Kind == subscribers.KindEmail:
		return s.Email
	case s.SlackChannel != "":
		return "slack:" + s.SlackChannel
	default:
		return "slack webhook " + app.RedactWebhook(s.WebhookURL)
	}
}
