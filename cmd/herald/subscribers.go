package main

import (
	"github.com/spf13/cobra"

	"herald/app"
	"herald/subscribers"
)

func newSubscribersCmd(cfg *app.Config) *cobra.Command {
	kind := subscribers.KindEmail
	cmd := &cobra.Command{
		Use:   "subscribers",
		Short: "Email readers: add, follow, unfollow, list, remove, import",
		Example: `  herald subscribers import examples/subscribers.csv
  herald subscribers add --email ana@example.com --tz America/New_York --topics japan
  herald subscribers follow ana@example.com united-states`,
		RunE: group,
	}
	cmd.AddCommand(newAddCmd(cfg, kind), newFollowCmd(cfg, kind, "follow"), newFollowCmd(cfg, kind, "unfollow"),
		newListCmd(cfg, kind), newRemoveCmd(cfg, kind), newResumeCmd(cfg, kind), newImportCmd(cfg))
	return cmd
}
