package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"herald/app"
)

// noConfigEnv is the annotation of a command that reads config flags from
// its command line only (the demo needs nothing outside).
const noConfigEnv = "herald/no-config-env"

// applyEnv fills every flag not given on the command line from its
// HERALD_<FLAG> variable: the command's own flags, then the config (with
// the _FILE variants of secrets).
func applyEnv(cmd *cobra.Command, cfg *app.Config, getenv func(string) string) error {
	var err error
	cmd.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		if v := getenv(app.EnvName(f.Name)); v != "" {
			if serr := cmd.Flags().Set(f.Name, v); serr != nil {
				err = fmt.Errorf("%s: %w", app.EnvName(f.Name), serr)
			}
		}
	})
	if err != nil || cmd.Annotations[noConfigEnv] != "" {
		return err
	}
	return cfg.LoadEnv(unlessGiven(cmd.Flags(), getenv))
}

// unlessGiven hides the variables of flags given on the command line.
func unlessGiven(fs *pflag.FlagSet, getenv func(string) string) func(string) string {
	given := map[string]bool{}
	fs.Visit(func(f *pflag.Flag) { given[app.EnvName(f.Name)] = true })
	return func(k string) string {
		if given[k] || given[strings.TrimSuffix(k, "_FILE")] {
			return ""
		}
		return getenv(k)
	}
}

// documentEnv names each command's own flags' variables in their usage, as
// the config flags do.
func documentEnv(c *cobra.Command) {
	c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		if env := app.EnvName(f.Name); !strings.Contains(f.Usage, env) {
			f.Usage += " (" + env + ")"
		}
	})
	for _, sub := range c.Commands() {
		documentEnv(sub)
	}
}
