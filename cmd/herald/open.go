package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"herald/app"
)

// openApp opens Herald's stores against the configured Redis.
func openApp(ctx context.Context, cfg *app.Config, stderr io.Writer) (*app.App, error) {
	return app.New(ctx, *cfg, app.Options{Logger: newLogger(cfg.LogLevel, stderr)})
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// withApp runs f with the app open, for commands that need only the stores.
func withApp(cmd *cobra.Command, cfg *app.Config, f func(ctx context.Context, a *app.App) error) error {
	a, err := openApp(cmd.Context(), cfg, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer a.Close()
	return f(cmd.Context(), a)
}
