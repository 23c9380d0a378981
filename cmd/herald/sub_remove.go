package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/subscribers"
)

func newRemoveCmd(cfg *app.Config, kind subscribers.Kind) *cobra.Command {
	parent, who := "subscribers", "ana@example.com"
	if kind == subscribers.KindSlack {
		parent, who = "teams", "7f3a9c2e"
	}
	return &cobra.Command{
		Use:     "remove ID|EMAIL",
		Short:   "Remove a subscription and its follows",
		Example: "  herald " + parent + " remove " + who,
		Args:    wantArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				s, err := a.FindSubscriber(ctx, args[0])
				if err != nil {
					return err
				}
				if err := a.Subs.Remove(ctx, s.ID); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "removed %s (%s)\n", s.ID, destination(s))
				return nil
			})
		},
	}
}
