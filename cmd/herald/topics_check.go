package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"herald/app"
	"herald/internal/slug"
	"herald/stories"
)

// checkTopics warns about followed topics no story has brought into the
// registry yet (a typo, usually); with create it registers them instead.
func checkTopics(ctx context.Context, a *app.App, topics []string, create bool, stderr io.Writer) error {
	for _, name := range topics {
		s := slug.Make(name)
		_, err := a.Stories.Topic(ctx, s)
		switch {
		case err == nil:
			continue
		case !errors.Is(err, stories.ErrNotFound):
			return err
		case create:
			if err := a.Stories.SetTopic(ctx, stories.Topic{Slug: s, Name: name}); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "created topic %q\n", s)
		default:
			fmt.Fprintf(stderr, "warning: topic %q does not exist yet (no story has it; see 'herald stories topics'); "+
				"following it anyway. Pass --create to add it to the registry.\n", s)
		}
	}
	return nil
}
