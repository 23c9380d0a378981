package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/subscribers"
)

func newResumeCmd(cfg *app.Config, kind subscribers.Kind) *cobra.Command {
	parent, who := "subscribers", "ana@example.com"
	if kind == subscribers.KindSlack {
		parent, who = "teams", "7f3a9c2e"
	}
	return &cobra.Command{
		Use:     "resume ID|EMAIL...",
		Short:   "Back to active after bounces, a failing destination or a pause; the cursor is kept",
		Example: "  herald " + parent + " resume " + who,
		Args:    wantArgs(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				return resume(ctx, a, kind, args, cmd.OutOrStdout())
			})
		},
	}
}

// resume brings each of who back to active (see app.Resume).
func resume(ctx context.Context, a *app.App, kind subscribers.Kind, who []string, stdout io.Writer) error {
	var errs []error
	for _, w := range who {
		sub, changed, err := a.Resume(ctx, kind, w)
		switch {
		case err != nil:
			errs = append(errs, err)
		case changed:
			fmt.Fprintf(stdout, "resumed %s (next digest %s)\n", sub.ID, describeDue(sub))
		default:
			fmt.Fprintf(stdout, "%s is already active\n", sub.ID)
		}
	}
	return errors.Join(errs...)
}
