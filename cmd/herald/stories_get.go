package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"herald/app"
)

func newStoriesGetCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:     "get ID",
		Short:   "Print a story as JSON",
		Example: `  herald stories get sk-japan-us-investment-terms`,
		Args:    wantArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := openApp(cmd.Context(), cfg, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer a.Close()
			st, err := a.Stories.Get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(st)
		},
	}
}
