package main

import (
	"strings"

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
