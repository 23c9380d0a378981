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
)

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
