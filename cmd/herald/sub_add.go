package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"herald/app"
	"herald/subscribers"
)

// profileFlags are the flags of "add".
type profileFlags struct {
	email, name, tz, schedule, topics, channel, webhookFile string
	max                                                     int
	create                                                  bool
}

func newAddCmd(cfg *app.Config, kind subscribers.Kind) *cobra.Command {
	var pf profileFlags
	cmd := &cobra.Command{
		Use:     "add",
		Short:   "Add a " + noun(kind),
		Example: addExample(kind),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				return addSubscriber(ctx, a, &pf, kind, cmd)
			})
		},
	}
	pf.register(cmd.Flags(), kind)
	return cmd
}

func noun(kind subscribers.Kind) string {
	if kind == subscribers.KindSlack {
		return "Slack team (a channel or an incoming webhook)"
	}
	return "reader (an email address)"
}

func addExample(kind subscribers.Kind) string {
	if kind == subscribers.KindSlack {
		return `  herald teams add --channel C0ASIADESK --name "Asia desk" --tz Asia/Tokyo --schedule "daily 09:00" --topics japan,china
  herald teams add --webhook-url-file ./alerts.hook --name "Washington alerts" --schedule instant --topics united-states`
	}
	return `  herald subscribers add --email ana@example.com --tz America/New_York --schedule "daily 07:00" --topics japan,south-korea`
}

func (p *profileFlags) register(fs *pflag.FlagSet, kind subscribers.Kind) {
	if kind == subscribers.KindEmail {
		fs.StringVar(&p.email, "email", "", "email address")
	} else {
		fs.StringVar(&p.channel, "channel", "", "Slack channel ID (C…), reached with the bot token")
		fs.StringVar(&p.webhookFile, "webhook-url-file", "", "file holding an incoming-webhook URL (a secret)")
	}
	fs.StringVar(&p.name, "name", "", "display name")
	fs.StringVar(&p.tz, "tz", "UTC", "IANA time zone")
	fs.StringVar(&p.schedule, "schedule", "daily 07:00", "instant, 'daily HH:MM', 'weekly DAY HH:MM' or a cron expression")
	fs.StringVar(&p.topics, "topics", "", "comma-separated topics to follow")
	fs.IntVar(&p.max, "max", 0, "most stories per digest (default 10)")
	fs.BoolVar(&p.create, "create", false, "add topics that do not exist yet to the registry")
}

func (p *profileFlags) subscriber(kind subscribers.Kind) (*subscribers.Subscriber, error) {
	s := &subscribers.Subscriber{
		Kind: kind, Email: p.email, Name: p.name, TimeZone: p.tz, Schedule: p.schedule,
		MaxStories: p.max, SlackChannel: p.channel, Topics: splitList(p.topics),
	}
	if p.webhookFile != "" {
		b, err := os.ReadFile(p.webhookFile)
		if err != nil {
			return nil, fmt.Errorf("webhook-url-file: %w", err)
		}
		s.WebhookURL = strings.TrimSpace(string(b))
	}
	return s, nil
}

func addSubscriber(ctx context.Context, a *app.App, pf *profileFlags, kind subscribers.Kind, cmd *cobra.Command) error {
	s, err := pf.subscriber(kind)
	if err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	if err := a.CheckWebhook(s.WebhookURL); err != nil {
		return err
	}
	if err := checkTopics(ctx, a, s.Topics, pf.create, cmd.ErrOrStderr()); err != nil {
		return err
	}
	if err := a.Subs.Add(ctx, s); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "added %s (next digest %s)\n", s.ID, describeDue(s))
	return nil
}

func describeDue(s *subscribers.Subscriber) string {
	if s.NextDue.IsZero() {
		if s.Schedule == "instant" {
			return "when a story lands"
		}
		return "-"
	}
	loc, err := subscribers.LoadLocation(s.TimeZone)
	if err != nil {
		return s.NextDue.UTC().Format("2006-01-02 15:04 MST")
	}
	return s.NextDue.In(loc).Format("2006-01-02 15:04 MST")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
