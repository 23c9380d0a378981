package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"herald/app"
	"herald/subscribers"
)

const subscribersUsage = `usage: herald subscribers COMMAND
  add --email ADDR [--name N] [--tz ZONE] [--schedule SPEC] [--topics a,b] [--max N]
  follow ID|EMAIL TOPIC...      unfollow ID|EMAIL TOPIC...
  list                          remove ID|EMAIL
  resume ID|EMAIL...            (back to active after bounces suspended it)
  import FILE.csv               (columns: email,name,time_zone,schedule,topics,max_stories)`

func cmdSubscribers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return manage(ctx, subscribers.KindEmail, subscribersUsage, args, stdout, stderr)
}

const teamsUsage = `usage: herald teams COMMAND
  add (--channel C123 | --webhook-url-file FILE) [--name N] [--tz ZONE] [--schedule SPEC|instant] [--topics a,b] [--max N]
  follow ID TOPIC...    unfollow ID TOPIC...    list    remove ID
  resume ID...          (back to active after deliveries were suspended)
The bot token comes from HERALD_SLACK_TOKEN (or HERALD_SLACK_TOKEN_FILE).`

func cmdTeams(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return manage(ctx, subscribers.KindSlack, teamsUsage, args, stdout, stderr)
}

// profileFlags are the flags of "add".
type profileFlags struct {
	email, name, tz, schedule, topics, channel, webhookFile string
	max                                                     int
}

func (p *profileFlags) register(fs *flag.FlagSet, kind subscribers.Kind) {
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

func manage(ctx context.Context, kind subscribers.Kind, usage string, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	sub, rest := args[0], args[1:]
	fs, cfg := newFlags(string(kind)+" "+sub, stderr)
	var pf profileFlags
	if sub == "add" {
		pf.register(fs, kind)
	}
	if err := parse(fs, cfg, rest); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	switch sub {
	case "add":
		s, err := pf.subscriber(kind)
		if err != nil {
			return err
		}
		if err := a.Subs.Add(ctx, s); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s (next digest %s)\n", s.ID, describeDue(s))
		return nil
	case "follow", "unfollow":
		if fs.NArg() < 2 {
			return errors.New(usage)
		}
		return followCmd(ctx, a, sub, fs.Arg(0), fs.Args()[1:], stdout)
	case "list":
		return listSubscribers(ctx, a, kind, stdout)
	case "resume":
		return resumeCmd(ctx, a, kind, fs.Args(), stdout)
	case "remove":
		if fs.NArg() != 1 {
			return errors.New(usage)
		}
		s, err := a.FindSubscriber(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		return a.Subs.Remove(ctx, s.ID)
	case "import":
		if kind != subscribers.KindEmail || fs.NArg() != 1 {
			return errors.New(usage)
		}
		return importSubscribers(ctx, a, fs.Arg(0), stdout, stderr)
	}
	return fmt.Errorf("unknown command %q\n%s", sub, usage)
}

func followCmd(ctx context.Context, a *app.App, op, who string, topics []string, stdout io.Writer) error {
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

func listSubscribers(ctx context.Context, a *app.App, kind subscribers.Kind, stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDESTINATION\tSTATUS\tTIME ZONE\tSCHEDULE\tNEXT DUE\tTOPICS")
	after := ""
	for {
		page, next, err := a.Subs.List(ctx, after, 500)
		if err != nil {
			return err
		}
		for _, s := range page {
			if s.Kind != kind {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, destination(s), s.Status,
				s.TimeZone, s.Schedule, describeDue(s), strings.Join(s.Topics, ","))
		}
		if next == "" {
			return tw.Flush()
		}
		after = next
	}
}

// destination says where a subscriber's messages go, never printing a
// webhook URL in full.
func destination(s *subscribers.Subscriber) string {
	switch {
	case s.Kind == subscribers.KindEmail:
		return s.Email
	case s.SlackChannel != "":
		return "slack:" + s.SlackChannel
	default:
		return "slack webhook " + app.RedactWebhook(s.WebhookURL)
	}
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

func importSubscribers(ctx context.Context, a *app.App, path string, stdout, stderr io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bar := newProgress(stderr, "importing")
	res, err := subscribers.ImportCSV(ctx, a.Subs, f, bar.update)
	bar.done()
	if err != nil {
		return err
	}
	for _, re := range res.Errors {
		fmt.Fprintf(stdout, "%s: %v\n", path, re)
	}
	fmt.Fprintf(stdout, "subscribers: %d added, %d updated, %d skipped, %d rejected\n",
		res.Added, res.Updated, res.Skipped, len(res.Errors))
	return nil
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
