package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"

	"herald/app"
)

// newFlags is a FlagSet for one command with every config flag on it.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *app.Config) {
	cfg := app.DefaultConfig()
	fs := flag.NewFlagSet("herald "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.RegisterFlags(fs)
	return fs, &cfg
}

// parse reads the environment, then the flags: a flag writes into cfg only
// when given, so flags win.
func parse(fs *flag.FlagSet, cfg *app.Config, args []string) error {
	if err := cfg.LoadEnv(os.Getenv); err != nil {
		return err
	}
	return fs.Parse(args)
}

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
