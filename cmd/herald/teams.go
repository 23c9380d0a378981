package main

import (
	"github.com/spf13/cobra"

	"herald/app"
	"herald/subscribers"
)

func newTeamsCmd(cfg *app.Config) *cobra.Command {
	kind := subscribers.KindSlack
	cmd := &cobra.Command{
		Use:   "teams",
		Short: "Slack team subscriptions: add, follow, unfollow, list, remove",
		Long: `Slack team subscriptions. A team posts to a channel with the bot token
(HERALD_SLACK_TOKEN or HERALD_SLACK_TOKEN_FILE) or to an incoming webhook.`,
		Example: `  herald teams add --channel C0ASIADESK --name "Asia desk" --tz Asia/Tokyo --topics japan
  herald teams list`,
		RunE: group,
	}
	cmd.AddCommand(newAddCmd(cfg, kind), newFollowCmd(cfg, kind, "follow"), newFollowCmd(cfg, kind, "unfollow"),
		newListCmd(cfg, kind), newRemoveCmd(cfg, kind), newResumeCmd(cfg, kind))
	return cmd
}
