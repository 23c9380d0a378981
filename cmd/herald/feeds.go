package main

import (
	"github.com/spf13/cobra"

	"herald/app"
)

func newFeedsCmd(cfg *app.Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "feeds",
		Short: "Register RSS, Atom and JSON feeds whose items become stories; list, poll and remove them",
		Example: `  herald feeds add https://news.example.com/rss.xml --topics japan,markets
  herald feeds list
  herald feeds poll`,
		RunE: group,
	}
	cmd.AddCommand(newFeedsAddCmd(cfg), newFeedsListCmd(cfg), newFeedsPollCmd(cfg), newFeedsRemoveCmd(cfg))
	return cmd
}
