package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/subscribers"
)

func newImportCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Add or update readers from a CSV file",
		Long: `Add or update readers from a CSV file with the header
email,name,time_zone,schedule,topics,max_stories. A rejected row is named by
file, line and field; the valid rows are stored, and the exit status is 1
(2 when no row was stored).`,
		Example: `  herald subscribers import examples/subscribers.csv`,
		Args:    wantArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				return importSubscribers(ctx, a, args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
			})
		},
	}
}

func importSubscribers(ctx context.Context, a *app.App, path string, stdout, stderr io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("subscribers import: %w", err)
	}
	defer f.Close()
	bar := newProgress(stderr, "importing")
	res, err := subscribers.ImportCSV(ctx, a.Subs, f, bar.update)
	bar.done()
	if err != nil {
		return err
	}
	for _, re := range res.Errors {
		fmt.Fprintf(stdout, "%s: %v\n", path, re)
	}
	fmt.Fprintf(stdout, "subscribers: %d added, %d updated, %d rejected\n", res.Added, res.Updated, len(res.Errors))
	return rejected("subscribers import", len(res.Errors), res.Added+res.Updated)
}
