package main

import (
	"context"
	"io"

	"herald/app"
)

// cmdMigrate converts a store written before sharding (see app.Migrate).
func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := newFlags("migrate", stderr)
	if err := parse(fs, cfg, args); err != nil {
		return err
	}
	a, err := app.New(ctx, *cfg, app.Options{Logger: newLogger(cfg.LogLevel, stderr), SkipLayoutCheck: true})
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Migrate(ctx, stdout)
}
