package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/stories"
)

func newStoriesTopicsCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:     "topics",
		Short:   "List the topic registry",
		Example: `  herald stories topics`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := openApp(cmd.Context(), cfg, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer a.Close()
			return listTopics(cmd.Context(), a.Stories, cmd.OutOrStdout())
		},
	}
}

func listTopics(ctx context.Context, st *stories.Store, stdout io.Writer) error {
	topics, err := st.Topics(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tNAME")
	for _, t := range topics {
		fmt.Fprintf(tw, "%s\t%s\n", t.Slug, t.Name)
	}
	return tw.Flush()
}
