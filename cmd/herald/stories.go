package main

import (
	"github.com/spf13/cobra"

	"herald/app"
)

func newStoriesCmd(cfg *app.Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stories",
		Short: "Import, show and delete stories; list topics",
		Example: `  herald stories import examples/stories.json
  herald stories get sk-japan-us-investment-terms
  herald stories topics`,
		RunE: group,
	}
	cmd.AddCommand(newStoriesImportCmd(cfg), newStoriesGetCmd(cfg), newStoriesDeleteCmd(cfg), newStoriesTopicsCmd(cfg))
	return cmd
}
