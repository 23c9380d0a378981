package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"herald/app"
)

func newFeedsRemoveCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:     "remove ID",
		Short:   "Stop polling a feed (the stories it brought in stay)",
		Example: "  herald feeds remove 8c44402e1b3a",
		Args:    wantArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				if err := a.Feeds.Remove(ctx, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "removed feed %s\n", args[0])
				return nil
			})
		},
	}
}
