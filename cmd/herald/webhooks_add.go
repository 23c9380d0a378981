package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"herald/app"
)

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
