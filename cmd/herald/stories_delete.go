package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"herald/app"
)

func newStoriesDeleteCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:     "delete ID",
		Short:   "Delete a story and its index entries",
		Example: `  herald stories delete sk-japan-us-investment-terms`,
		Args:    wantArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := openApp(cmd.Context(), cfg, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer a.Close()
			if err := a.Stories.Delete(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted story %s\n", args[0])
			return nil
		},
	}
}
