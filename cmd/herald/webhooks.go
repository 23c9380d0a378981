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
	"herald/internal/webhooks"
)

func newWebhooksCmd(cfg *app.Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "Outgoing webhooks: add an endpoint, list them with their last status",
		Long: `Outgoing webhooks. Herald posts events (` + strings.Join(webhooks.Types, ", ") + `)
to each endpoint, signed per Standard Webhooks, in order per subscriber, retried
with backoff until accepted. 'herald serve' delivers them. An endpoint's host
must be listed in HERALD_WEBHOOK_HOSTS.`,
		Example: `  herald webhooks add https://hooks.example.com/herald --events message.sent,message.bounced
  herald webhooks list`,
		RunE: group,
	}
	cmd.AddCommand(newWebhooksAddCmd(cfg), newWebhooksListCmd(cfg))
	return cmd
}

func newWebhooksAddCmd(cfg *app.Config) *cobra.Command {
	var events string
	cmd := &cobra.Command{
		Use:     "add URL",
		Short:   "Add an endpoint; prints its ID and its signing secret (shown once)",
		Example: "  herald webhooks add https://hooks.example.com/herald --events message.sent,subscriber.unsubscribed",
		Args:    wantArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				return addWebhook(ctx, a, args[0], splitList(events), cmd.OutOrStdout())
			})
		},
	}
	cmd.Flags().StringVar(&events, "events", "", "comma-separated event types (default: every type)")
	return cmd
}

func addWebhook(ctx context.Context, a *app.App, url string, events []string, stdout io.Writer) error {
	if err := a.CheckEventURL(url); err != nil {
		return err
	}
	ep, err := a.Events.Add(ctx, url, events)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\t%s\nsecret: %s (verify each request's webhook-signature with it; it is not shown again)\n",
		ep.ID, strings.Join(ep.Events, ","), ep.Secret)
	return nil
}

func newWebhooksListCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List endpoints with their events and last delivery status",
		Example: "  herald webhooks list",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				return listWebhooks(ctx, a, cmd.OutOrStdout())
			})
		},
	}
}

func listWebhooks(ctx context.Context, a *app.App, stdout io.Writer) error {
	eps, err := a.Events.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tURL\tEVENTS\tDELIVERED\tLAST STATUS\tLAST ATTEMPT\tLAST ERROR")
	for _, ep := range eps {
		st, err := a.Events.Status(ctx, ep.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", ep.ID, app.RedactWebhook(ep.URL), strings.Join(ep.Events, ","),
			st.Delivered, orDash(st.Last), when(st.At), orDash(st.Error))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
