package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/channels/outbox"
	"herald/digest"
)

// runFlags are the flags of "run".
type runFlags struct {
	once, dryRun bool
	out          string
}

func newRunCmd(cfg *app.Config) *cobra.Command {
	var rf runFlags
	cmd := &cobra.Command{
		Use:   "run --once",
		Short: "Dispatch what is due now, then exit",
		Long: `Claim every subscriber due now, build, render and deliver their digests,
record them, and exit. For a long-running service use 'herald serve'.

With --dry-run nothing is claimed, sent or recorded: the digests due now are
rendered into the --out folder and Redis is left exactly as it was, so the
real run after it sends the same messages.`,
		Example: `  herald run --once
  herald run --once --dry-run --out dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case !rf.once:
				return errors.New("usage: herald run --once [--dry-run] (for a long-running service use 'herald serve')")
			case rf.dryRun:
				return dryRun(cmd.Context(), cfg, rf.out, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			return runOnce(cmd.Context(), cfg, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().BoolVar(&rf.once, "once", false, "dispatch what is due now, then exit")
	cmd.Flags().BoolVar(&rf.dryRun, "dry-run", false, "render what is due into --out without claiming, sending or recording anything")
	cmd.Flags().StringVar(&rf.out, "out", "dry-run", "folder a dry run writes its messages to")
	return cmd
}

func dryRun(ctx context.Context, cfg *app.Config, dir string, stdout, stderr io.Writer) error {
	if cfg.Secret == "" {
		cfg.Secret = "dry-run-only" // links in a dry run are for looking at
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	from, host := a.Sender()
	w, err := outbox.New(dir, from, host, outbox.WithDKIM(a.DKIM))
	if err != nil {
		return err
	}
	st, err := a.DryRun(ctx, w)
	abs, _ := filepath.Abs(dir)
	fmt.Fprintf(stdout, "dry run: %d due, %d messages written to %s, %d with no stories; nothing claimed, sent or recorded\n",
		st.Due, st.Written, abs, st.Empty)
	return err
}

func runOnce(ctx context.Context, cfg *app.Config, stdout, stderr io.Writer) error {
	a, chans, err := openDispatcher(ctx, cfg, stderr, (*app.App).OpenChannels)
	if err != nil {
		return err
	}
	defer a.Close()
	defer chans.Close()
	r := a.Runner(chans.ByKind)
	line := newProgress(stderr, "dispatch")
	r.Progress = func(st digest.Stats) { line.status(st) }
	st, err := r.RunOnce(ctx)
	line.done()
	a.RecordRun(ctx, a.Now(), st)
	fmt.Fprintf(stdout, "dispatch: claimed %d, sent %d, no stories %d, skipped %d, retry later %d, failed %d, held %d\n",
		st.Claimed, st.Sent, st.Empty, st.Skipped, st.Temporary, st.Permanent, st.Held)
	return err
}
