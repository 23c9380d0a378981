package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/subscribers"
)

func newFollowCmd(cfg *app.Config, kind subscribers.Kind, op string) *cobra.Command {
	parent, who := "subscribers", "ana@example.com"
	if kind == subscribers.KindSlack {
		parent, who = "teams", "7f3a9c2e"
	}
	short := "Follow topics"
	if op == "unfollow" {
		short = "Stop following topics"
	}
	var create bool
	cmd := &cobra.Command{
		Use:     op + " ID|EMAIL TOPIC...",
		Short:   short,
		Example: fmt.Sprintf("  herald %s %s %s japan \"South Korea\"", parent, op, who),
		Args:    wantArgs(2, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				if op == "follow" {
					if err := checkTopics(ctx, a, args[1:], create, cmd.ErrOrStderr()); err != nil {
						return err
					}
				}
				return follow(ctx, a, op, args[0], args[1:], cmd.OutOrStdout())
			})
		},
	}
	if op == "follow" {
		cmd.Flags().BoolVar(&create, "create", false, "add topics that do not exist yet to the registry")
	}
	return cmd
}

func follow(ctx context.Context, a *app.App, op, who string, topics []string, stdout io.Writer) error {
	s, err := a.FindSubscriber(ctx, who)
	if err != nil {
		return err
	}
	if op == "follow" {
		err = a.Subs.Follow(ctx, s.ID, topics...)
	} else {
		err = a.Subs.Unfollow(ctx, s.ID, topics...)
	}
	if err != nil {
		return err
	}
	s, err = a.Subs.Get(ctx, s.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s follows: %s\n", s.ID, strings.Join(s.Topics, ", "))
	return nil
}
