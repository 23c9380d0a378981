package main

import (
	"github.com/spf13/cobra"

	"herald/app"
)

func newMigrateCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Convert a Redis written before sharding (idempotent, resumable)",
		Long: `Convert a store written before the sharded key layout into it (see
app.Migrate). It is idempotent and resumable: run it again after an
interruption.`,
		Example: `  herald migrate --redis-url redis://127.0.0.1:6379/3`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := app.New(cmd.Context(), *cfg, app.Options{Logger: newLogger(cfg.LogLevel, cmd.ErrOrStderr()), SkipLayoutCheck: true})
			if err != nil {
				return err
			}
			defer a.Close()
			return a.Migrate(cmd.Context(), cmd.OutOrStdout())
		},
	}
}
