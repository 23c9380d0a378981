// Command herald is Herald's one binary: the dispatcher service, the demo,
// and the tools to manage stories and subscribers. It only parses the
// command line (one cobra command a file) and hands off to package app.
//
// Exit status: 0 when everything asked was done, 1 when some of it was
// (rows or items rejected, the valid rest stored), 2 when nothing was (a
// usage or configuration error, an unreachable server, every item rejected).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"herald/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "herald:", err)
		os.Exit(exitCode(err))
	}
}

// run executes one command line; HERALD_* variables come from the process
// environment.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	app.RouteRedisLogs(newLogger(os.Getenv("HERALD_LOG_LEVEL"), stderr))
	root := newRoot(os.Getenv)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}

// partialError is a command that did part of its work: some rows or items
// were rejected and the rest stored. It exits 1.
type partialError struct{ err error }

func (e *partialError) Error() string { return e.err.Error() }
func (e *partialError) Unwrap() error { return e.err }

// partly marks err as a partial failure (nil stays nil).
func partly(err error) error {
	if err == nil {
		return nil
	}
	return &partialError{err}
}

// exitCode is the one place errors become exit statuses.
func exitCode(err error) int {
	var p *partialError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &p):
		return 1
	}
	return 2
}

// rejected is the outcome of an import: nil when nothing was rejected,
// a partial failure when some items were stored, else a failure.
func rejected(op string, bad, stored int) error {
	switch {
	case bad == 0:
		return nil
	case stored == 0:
		return fmt.Errorf("%s: %d rejected, nothing stored", op, bad)
	}
	return partly(fmt.Errorf("%s: %d rejected, %d stored", op, bad, stored))
}
