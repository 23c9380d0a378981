package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"herald/app"
	"herald/subscribers"
)

// resumeCmd is "herald teams resume ID..." and "herald subscribers resume
// ID|EMAIL...": back to active after deliveries were suspended.
func resumeCmd(ctx context.Context, a *app.App, kind subscribers.Kind, who []string, stdout io.Writer) error {
	if len(who) == 0 {
		return fmt.Errorf("usage: herald %s resume ID...", commandOf(kind))
	}
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

func commandOf(kind subscribers.Kind) string {
	if kind == subscribers.KindSlack {
		return "teams"
	}
	return "subscribers"
}
