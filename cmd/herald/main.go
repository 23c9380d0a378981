// Command herald is Herald's one binary: the dispatcher service, the demo,
// and the tools to manage stories and subscribers. It only parses the
// command line and hands off to package app.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"herald/app"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":       {"run the scheduler, workers and HTTP server", cmdServe},
		"run":         {"dispatch what is due now (--once)", cmdRun},
		"preview":     {"show the digest a subscriber would get now", cmdPreview},
		"demo":        {"run the whole pipeline on built-in data, no servers needed", cmdDemo},
		"stories":     {"import, show, delete stories; list topics", cmdStories},
		"subscribers": {"add, follow, unfollow, list, remove, import subscribers", cmdSubscribers},
		"teams":       {"Slack team subscriptions: add, follow, unfollow, list, remove", cmdTeams},
		"deliveries":  {"the delivery log: --subscriber ID, --failed", cmdDeliveries},
		"status":      {"due backlog, last tick, the last hour's deliveries by channel", cmdStatus},
		"migrate":     {"convert a Redis written before sharding (idempotent, resumable)", cmdMigrate},
		"version":     {"print the version", cmdVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "herald:", err)
		}
		os.Exit(exitCode(err))
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	app.RouteRedisLogs(newLogger(os.Getenv("HERALD_LOG_LEVEL"), stderr))
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(stderr, cmds)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

var errUsage = errors.New("no command given")

func exitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: herald COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'herald COMMAND -h' for a command's flags. Every flag also reads HERALD_<FLAG>.")
}

func cmdVersion(_ context.Context, _ []string, stdout, _ io.Writer) error {
	fmt.Fprintln(stdout, "herald", version)
	return nil
}
