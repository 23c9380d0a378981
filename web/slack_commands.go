package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"herald/internal/slug"
	"herald/stories"
	"herald/subscribers"
	"herald/templates"
)

const slackUsage = "*Herald* keeps this channel's digest:\n" +
	"• `/herald follow <topic>`: follow a topic (`/herald follow` alone offers a picker)\n" +
	"• `/herald unfollow <topic>`: stop following it\n" +
	"• `/herald list`: the topics this channel follows and its schedule\n" +
	"• `/herald schedule daily 08:00`: when the digest comes (`instant`, `daily HH:MM`, `weekly mon 09:00`, or cron), in the channel's time zone\n" +
	"• `/herald help`: this"

// slackCmd is a parsed slash command: its verb and the rest of the text.
type slackCmd struct {
	verb, arg string
}

func parseSlackCmd(text string) slackCmd {
	text = strings.TrimSpace(text)
	verb, arg, _ := strings.Cut(text, " ")
	return slackCmd{verb: strings.ToLower(verb), arg: strings.TrimSpace(arg)}
}

// slackCommand answers a slash command, always with a 200 and an
// ephemeral reply (Slack shows other statuses as a bare failure).
func (s *Server) slackCommand(w http.ResponseWriter, r *http.Request, form url.Values) {
	cmd, channel := parseSlackCmd(form.Get("text")), form.Get("channel_id")
	run, ok := s.slackVerbs()[cmd.verb]
	if !ok {
		writeJSON(w, http.StatusOK, ephemeral(slackUsage))
		return
	}
	writeJSON(w, http.StatusOK, withinBudget(r.Context(), func(ctx context.Context) slackReply {
		team, reply, ok := s.slackTeam(ctx, channel)
		if !ok {
			return reply
		}
		return run(ctx, team, cmd.arg)
	}))
}

type slackVerb func(ctx context.Context, team *subscribers.Subscriber, arg string) slackReply

func (s *Server) slackVerbs() map[string]slackVerb {
	return map[string]slackVerb{
		"follow": s.slackFollow, "unfollow": s.slackUnfollow, "list": s.slackList, "schedule": s.slackSchedule,
	}
}

// slackTeam finds the team subscription of channel; when there is none
// (or Redis fails) the reply says so and ok is false.
func (s *Server) slackTeam(ctx context.Context, channel string) (_ *subscribers.Subscriber, _ slackReply, ok bool) {
	team, err := s.d.Subs.GetBySlackChannel(ctx, channel)
	switch {
	case errors.Is(err, subscribers.ErrNotFound):
		return nil, ephemeral(fmt.Sprintf("This channel has no Herald subscription. An operator adds one with "+
			"`herald teams add --channel %s --topics …`.", templates.EscapeMrkdwn(channel))), false
	case err != nil:
		return nil, s.slackFailure("find team", err), false
	}
	return team, slackReply{}, true
}

// slackFollow follows the topic named by arg, or offers the picker (and
// the topics starting like arg) when arg names no registered topic.
func (s *Server) slackFollow(ctx context.Context, team *subscribers.Subscriber, arg string) slackReply {
	if arg == "" {
		return ephemeral("Which topic?", topicPicker("Pick a topic to follow"))
	}
	t, err := s.d.Stories.Topic(ctx, slug.Make(arg))
	if errors.Is(err, stories.ErrNotFound) {
		return s.slackNoTopic(ctx, arg)
	}
	if err != nil {
		return s.slackFailure("follow", err)
	}
	return s.followTopic(ctx, team, t)
}

// followTopic makes team follow t and says so.
func (s *Server) followTopic(ctx context.Context, team *subscribers.Subscriber, t stories.Topic) slackReply {
	name := templates.EscapeMrkdwn(firstNonEmpty(t.Name, t.Slug))
	if slices.Contains(team.Topics, t.Slug) {
		return ephemeral("This channel already follows *" + name + "*.")
	}
	if err := s.d.Subs.Follow(ctx, team.ID, t.Slug); err != nil {
		return s.slackVerdict("follow", err)
	}
	return ephemeral("This channel now follows *" + name + "*.")
}

// slackUnfollow stops following the topic named by arg.
func (s *Server) slackUnfollow(ctx context.Context, team *subscribers.Subscriber, arg string) slackReply {
	sl := slug.Make(arg)
	if !slices.Contains(team.Topics, sl) {
		return ephemeral("This channel does not follow “" + templates.EscapeMrkdwn(arg) + "”; `/herald list` shows what it follows.")
	}
	if err := s.d.Subs.Unfollow(ctx, team.ID, sl); err != nil {
		return s.slackVerdict("unfollow", err)
	}
	return ephemeral("This channel no longer follows *" + templates.EscapeMrkdwn(s.topicName(ctx, sl)) + "*.")
}

// slackList names the channel's follows and its schedule.
func (s *Server) slackList(ctx context.Context, team *subscribers.Subscriber, _ string) slackReply {
	when := "Schedule: `" + templates.EscapeMrkdwn(team.Schedule) + "` (" + templates.EscapeMrkdwn(team.TimeZone) + ")."
	if len(team.Topics) == 0 {
		return ephemeral("This channel follows no topic yet; `/herald follow <topic>` adds one. " + when)
	}
	names, err := s.topicNames(ctx, team.Topics)
	if err != nil {
		return s.slackFailure("list", err)
	}
	return ephemeral("This channel follows " + templates.EscapeMrkdwn(strings.Join(names, ", ")) + ". " + when)
}

// slackSchedule changes the channel's schedule. Store.Update writes the
// whole profile as read at the command's start, so a follow landing in
// the same instant from another request can be undone; the reply and
// /herald list show what was kept.
func (s *Server) slackSchedule(ctx context.Context, team *subscribers.Subscriber, arg string) slackReply {
	if _, err := subscribers.ParseSchedule(arg); err != nil || arg == "" {
		return ephemeral("“" + templates.EscapeMrkdwn(arg) + "” is not a schedule: try `instant`, `daily 08:00`, `weekly mon 09:00` or a cron expression.")
	}
	team.Schedule = arg
	if err := s.d.Subs.Update(ctx, team); err != nil {
		return s.slackVerdict("schedule", err)
	}
	return ephemeral("Schedule: `" + templates.EscapeMrkdwn(team.Schedule) + "` (" + templates.EscapeMrkdwn(team.TimeZone) + ").")
}

// slackVerdict is the reply to a store error: a validation error says
// what is wrong, anything else is a failure.
func (s *Server) slackVerdict(op string, err error) slackReply {
	var ve *subscribers.ValidationError
	if errors.As(err, &ve) {
		return ephemeral("Herald refused that: " + templates.EscapeMrkdwn(ve.Field+": "+ve.Message) + ".")
	}
	return s.slackFailure(op, err)
}
