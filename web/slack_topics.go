package web

import (
	"context"
	"strings"

	"github.com/slack-go/slack"

	"herald/internal/slug"
	"herald/stories"
	"herald/templates"
)

const (
	slackOptions     = 100 // Slack shows at most 100 options
	slackSuggestions = 5   // Follow buttons offered for a topic not found
	slackOptionChars = 75  // Slack's limit on an option's text
)

// slackPickAction is the action_id of the topic picker, an external_select
// whose options come from /slack/options.
const slackPickAction = templates.SlackFollowAction + ":pick"

// topicPicker is a section with the topic picker: Slack asks
// /slack/options for the topics matching what the user types.
func topicPicker(prompt string) *slack.SectionBlock {
	placeholder := slack.NewTextBlockObject(slack.PlainTextType, "Type a topic", false, false)
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, placeholder, slackPickAction)
	one := 1
	sel.MinQueryLength = &one
	text := slack.NewTextBlockObject(slack.MarkdownType, prompt, false, false)
	return slack.NewSectionBlock(text, nil, slack.NewAccessory(sel))
}

// slackNoTopic answers a follow of a topic not in the registry: the
// topics that start like it, as Follow buttons, and the picker.
func (s *Server) slackNoTopic(ctx context.Context, arg string) slackReply {
	all, err := s.d.Stories.Topics(ctx)
	if err != nil {
		return s.slackFailure("topics", err)
	}
	text := "No topic is called “" + templates.EscapeMrkdwn(arg) + "”."
	blocks := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)}
	if found := matchTopics(all, arg, slackSuggestions); len(found) > 0 {
		blocks = append(blocks, followButtons(found))
	}
	return ephemeral(text, append(blocks, topicPicker("Or pick one:"))...)
}

// followButtons is an actions block of Follow buttons for topics.
func followButtons(topics []stories.Topic) *slack.ActionBlock {
	var buttons []slack.BlockElement
	for i, t := range topics {
		label := slack.NewTextBlockObject(slack.PlainTextType, optionText("Follow "+firstNonEmpty(t.Name, t.Slug)), false, false)
		buttons = append(buttons, slack.NewButtonBlockElement(templates.SlackFollowAction+":"+string(rune('a'+i)), t.Slug, label))
	}
	return slack.NewActionBlock(templates.SlackFollowAction+"_suggest", buttons...)
}

// matchTopics is at most limit topics whose slug starts with the query's
// slug, then those with a later word starting with it, each in slug order.
func matchTopics(all []stories.Topic, query string, limit int) []stories.Topic {
	q := slug.Make(query)
	var first, later []stories.Topic
	for _, t := range all {
		switch {
		case strings.HasPrefix(t.Slug, q):
			first = append(first, t)
		case strings.Contains(t.Slug, "-"+q):
			later = append(later, t)
		}
	}
	out := append(first, later...)
	return out[:min(len(out), limit)]
}

// topicOptions answers the picker's block_suggestion: the topics that
// match what the user typed.
func (s *Server) topicOptions(ctx context.Context, typed string) (*slack.OptionsResponse, error) {
	all, err := s.d.Stories.Topics(ctx)
	if err != nil {
		return nil, err
	}
	resp := &slack.OptionsResponse{Options: []*slack.OptionBlockObject{}}
	for _, t := range matchTopics(all, typed, slackOptions) {
		text := slack.NewTextBlockObject(slack.PlainTextType, optionText(firstNonEmpty(t.Name, t.Slug)), false, false)
		resp.Options = append(resp.Options, slack.NewOptionBlockObject(t.Slug, text, nil))
	}
	return resp, nil
}

// optionText is s cut to an option's or button's 75 characters.
func optionText(s string) string {
	if r := []rune(s); len(r) > slackOptionChars {
		return string(r[:slackOptionChars-1]) + "…"
	}
	return s
}

// topicName is the registry's name of slug, or the slug.
func (s *Server) topicName(ctx context.Context, sl string) string {
	if t, err := s.d.Stories.Topic(ctx, sl); err == nil && t.Name != "" {
		return t.Name
	}
	return sl
}

// topicNames are the registry's names of slugs (the slug for one that is
// not registered), in the order given.
func (s *Server) topicNames(ctx context.Context, slugs []string) ([]string, error) {
	all, err := s.d.Stories.Topics(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(all))
	for _, t := range all {
		names[t.Slug] = t.Name
	}
	out := make([]string, len(slugs))
	for i, sl := range slugs {
		out[i] = firstNonEmpty(names[sl], sl)
	}
	return out, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
