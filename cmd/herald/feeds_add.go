package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/feeds"
)

// feedFlags are the flags of "feeds add".
type feedFlags struct {
	topics, rules []string
	interval      time.Duration
}

func newFeedsAddCmd(cfg *app.Config) *cobra.Command {
	var ff feedFlags
	cmd := &cobra.Command{
		Use:   "add URL --topics a,b",
		Short: "Register a feed (adding its URL again changes its settings)",
		Long: `Register an RSS 2.0, Atom 1.0 or JSON Feed URL. Every item becomes a story
with the --topics given, plus the topic of each --category rule whose
category the item has. serve polls the feed every --interval; herald feeds
poll polls it now.`,
		Example: `  herald feeds add https://news.example.com/rss.xml --topics japan
  herald feeds add https://wire.example.com/atom --topics asia --interval 30m --category "South Korea=south-korea"`,
		Args: wantArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := ff.feed(args[0])
			if err != nil {
				return err
			}
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				created, err := a.Feeds.Add(ctx, f)
				if err != nil {
					return err
				}
				verb := map[bool]string{true: "added", false: "updated"}[created]
				fmt.Fprintf(cmd.OutOrStdout(), "%s feed %s: %s, topics %s, every %v\n", verb, f.ID, f.URL, strings.Join(f.Topics, ","), f.Interval)
				return nil
			})
		},
	}
	cmd.Flags().StringSliceVar(&ff.topics, "topics", nil, "topics every item of the feed gets (comma-separated, required)")
	cmd.Flags().StringArrayVar(&ff.rules, "category", nil, "category=topic: an item in that category also gets that topic (repeatable)")
	cmd.Flags().DurationVar(&ff.interval, "interval", feeds.DefaultInterval, "how often serve polls the feed (at least 1m)")
	return cmd
}

func (ff *feedFlags) feed(url string) (*feeds.Feed, error) {
	f := &feeds.Feed{URL: url, Topics: ff.topics, Interval: ff.interval}
	for _, r := range ff.rules {
		rule, err := feeds.ParseRule(r)
		if err != nil {
			return nil, fmt.Errorf("--category: %w", err)
		}
		f.Rules = append(f.Rules, rule)
	}
	if len(f.Topics) == 0 {
		return nil, fmt.Errorf("--topics: required: the topics every item of the feed gets")
	}
	return f, nil
}
