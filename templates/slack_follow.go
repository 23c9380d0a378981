package templates

import (
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"herald/digest"
	"herald/stories"
)

// SlackFollowAction starts the action_id of every "Follow" button in a
// Slack message; the button's value is the topic's slug. The Slack app's
// interactions endpoint (package web) acts on it.
const SlackFollowAction = "herald_follow"

// Limits of the Follow buttons.
const (
	slackFollowButtons = 3  // buttons under one story
	slackButtonChars   = 75 // Slack's limit on a button's text
)

// followTopics is, for each story of d, the topics its Follow buttons
// offer: the story's topics the channel does not follow yet, at most
// slackFollowButtons. Nil when the buttons are off (no Slack app) or the
// team posts through a webhook (no channel for the app to act on).
func (s *Set) followTopics(d *digest.Digest) [][]stories.Topic {
	sub := d.Subscriber
	if !s.opts.SlackFollow || sub == nil || sub.SlackChannel == "" {
		return nil
	}
	out := make([][]stories.Topic, len(d.Items))
	for i, it := range d.Items {
		for _, t := range it.Story.Topics {
			if len(out[i]) < slackFollowButtons && t.Slug != "" && !slices.Contains(sub.Topics, t.Slug) {
				out[i] = append(out[i], t)
			}
		}
	}
	return out
}

// followActions is the actions block of story i's Follow buttons, or nil.
func followActions(v *View, i int) []block {
	if i >= len(v.follow) || len(v.follow[i]) == 0 {
		return nil
	}
	var buttons []slack.BlockElement
	n := 0
	for j, t := range v.follow[i] {
		text := fitMrkdwn("Follow "+topicName(t), slackButtonChars)
		label := slack.NewTextBlockObject(slack.PlainTextType, text, false, false)
		buttons = append(buttons, slack.NewButtonBlockElement(SlackFollowAction+":"+strconv.Itoa(j), t.Slug, label))
		n += utf8.RuneCountInString(text)
	}
	return []block{{slack.NewActionBlock(SlackFollowAction+"_"+strconv.Itoa(i+1), buttons...), n}}
}

// storyBlocks is story i's unit and its Follow buttons.
func storyBlocks(v *View, i int) []block {
	return append(storyUnit(v.Stories[i]), followActions(v, i)...)
}
