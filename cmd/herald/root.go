package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"herald/app"
)

// usageTemplate is cobra's, with the shared config flags left out of every
// command but the root's: each command's help lists its own flags only.
const usageTemplate = `Usage:{{if .Runnable}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if gt (len .Aliases) 0}}

Aliases:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

Commands:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Config flags (--redis-url, --secret, ...) are shared by every command: herald help config{{end}}{{if .HasHelpSubCommands}}

Help topics:{{range .Commands}}{{if .IsAdditionalHelpTopicCommand}}
  {{rpad .CommandPath .CommandPathPadding}} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableSubCommands}}

Use "{{.CommandPath}} [command] --help" for more information about a command.{{end}}
`

// newRoot builds the command tree. Config flags are persistent flags of the
// root; every flag, a command's own included, also reads HERALD_<FLAG>.
func newRoot(getenv func(string) string) *cobra.Command {
	cfg := app.DefaultConfig()
	root := &cobra.Command{
		Use:   "herald",
		Short: "Herald dispatches personal news digests by email and Slack",
		Long: `Herald dispatches personal news digests: readers follow topics and get a
digest by email on their own schedule; teams get one, or an alert, in Slack.

Every flag also reads HERALD_<FLAG> (--redis-url is HERALD_REDIS_URL, --once
is HERALD_ONCE); a flag on the command line wins. Secrets also read
HERALD_<FLAG>_FILE. Exit status: 0 all done, 1 some rows or items rejected
(the valid rest stored), 2 nothing done.`,
		Example: `  herald demo
  herald stories import examples/stories.json
  herald preview ana@example.com --format html -o digest.html`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cfg.RegisterFlags(root.PersistentFlags())
	root.SetUsageTemplate(usageTemplate)
	root.SetFlagErrorFunc(flagError)
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		return applyEnv(cmd, &cfg, getenv)
	}
	root.AddCommand(newServeCmd(&cfg), newRunCmd(&cfg), newPreviewCmd(&cfg), newDemoCmd(&cfg),
		newStoriesCmd(&cfg), newFeedsCmd(&cfg), newSubscribersCmd(&cfg), newTeamsCmd(&cfg),
		newDeliveriesCmd(&cfg), newWebhooksCmd(&cfg), newStatusCmd(&cfg), newAdminsCmd(&cfg), newMigrateCmd(&cfg), newHealthcheckCmd(&cfg), newDoctorCmd(&cfg), newVersionCmd(), newConfigTopic(root))
	documentEnv(root)
	return root
}

// flagError adds where to look to a bad flag.
func flagError(cmd *cobra.Command, err error) error {
	return fmt.Errorf("%w (see '%s --help')", err, cmd.CommandPath())
}

// newConfigTopic is "herald help config": the shared flags and variables.
func newConfigTopic(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "The config flags every command shares, and their HERALD_* variables",
		Long: "Config flags, shared by every command. Each also reads the variable named\n" +
			"in brackets; secrets also read <VARIABLE>_FILE. Flags win.\n\n" +
			root.PersistentFlags().FlagUsages(),
	}
}

// group is the RunE of a command that only holds subcommands: alone it
// prints its help; with an unknown subcommand it is an error.
func group(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	return fmt.Errorf("unknown command %q for %q (see '%s --help')", args[0], cmd.CommandPath(), cmd.CommandPath())
}

// wantArgs checks a command's positional arguments against its usage.
func wantArgs(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= min && (max < 0 || len(args) <= max) {
			return nil
		}
		return fmt.Errorf("usage: %s (see '%s --help')", cmd.UseLine(), cmd.CommandPath())
	}
}
