package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"herald/app"
)

func newAdminsRemoveCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "remove EMAIL",
		Short: "Remove a console operator and end their sessions",
		Long: `Remove the operator EMAIL: their password is deleted and every session they
have open in the console ends at its next request.`,
		Example: "  herald admins remove editor@example.com",
		Args:    wantArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				if err := a.Operators.Remove(ctx, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "removed operator %s; their sessions are ended\n", args[0])
				return nil
			})
		},
	}
}
