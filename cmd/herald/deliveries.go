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
	"herald/digest"
)

func newDeliveriesCmd(cfg *app.Config) *cobra.Command {
	var q digest.Query
	cmd := &cobra.Command{
		Use:   "deliveries",
		Short: "The delivery log, newest first",
		Example: `  herald deliveries --failed
  herald deliveries --subscriber ana@example.com -n 10`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return deliveries(cmd.Context(), cfg, q, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&q.SubscriberID, "subscriber", "", "only this subscriber (id or email)")
	cmd.Flags().BoolVar(&q.Failed, "failed", false, "only failed attempts")
	cmd.Flags().IntVarP(&q.Limit, "limit", "n", 50, "show at most this many")
	return cmd
}

func deliveries(ctx context.Context, cfg *app.Config, q digest.Query, stdout, stderr io.Writer) error {
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

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
