package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/digest"
)

func newRunCmd(cfg *app.Config) *cobra.Command {
	var once bool
	cmd := &cobra.Command{
		Use:   "run --once",
		Short: "Dispatch what is due now, then exit",
		Long: `Claim every subscriber due now, build, render and deliver their digests,
record them, and exit. For a long-running service use 'herald serve'.`,
		Example: `  herald run --once`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !once {
				return errors.New("usage: herald run --once (for a long-running service use 'herald serve')")
			}
			return runOnce(cmd.Context(), cfg, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "dispatch what is due now, then exit")
	return cmd
}

func runOnce(ctx context.Context, cfg *app.Config, stdout, stderr io.Writer) error {
	a, chans, err := openDispatcher(ctx, cfg, stderr)
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
	fmt.Fprintf(stdout, "dispatch: claimed %d, sent %d, no stories %d, skipped %d, retry later %d, failed %d\n",
		st.Claimed, st.Sent, st.Empty, st.Skipped, st.Temporary, st.Permanent)
	return err
}
