package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/internal/operators"
)

func newAdminsListCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List the console's operators",
		Example: "  herald admins list",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				list, err := a.Operators.List(ctx)
				if err != nil {
					return err
				}
				return listAdmins(list, cmd.OutOrStdout())
			})
		},
	}
}

func listAdmins(list []operators.Operator, stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tADDED")
	for _, op := range list {
		fmt.Fprintf(tw, "%s\t%s\n", op.Email, op.CreatedAt.Format(time.RFC3339))
	}
	if len(list) == 0 {
		fmt.Fprintln(tw, "(no operators: herald admins add EMAIL)")
	}
	return tw.Flush()
}
