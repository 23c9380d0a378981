package slack

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
)

// maxBlocks is Slack's limit of blocks in one message.
const maxBlocks = 50

// payload is one chat.postMessage body from digest.Message.Payloads.
type payload struct {
	text        string
	blocks      []slack.Block
	unfurlLinks bool
	unfurlMedia bool
	webhookBody []byte // what a webhook receives
	// reply posts the payload in the thread of the message's first one
	// (bot token only: an incoming webhook cannot thread, so it posts in
	// the channel, in order).
	reply bool
}

// payloadJSON is the part of a payload Herald reads.
type payloadJSON struct {
	Text        string          `json:"text"`
	Blocks      json.RawMessage `json:"blocks"`
	UnfurlLinks *bool           `json:"unfurl_links"`
	UnfurlMedia *bool           `json:"unfurl_media"`
	Reply       bool            `json:"herald_reply"`
}

func parsePayload(raw json.RawMessage) (payload, error) {
	var pj payloadJSON
	if err := json.Unmarshal(raw, &pj); err != nil {
		return payload{}, err
	}
	blocks, err := parseBlocks(pj.Blocks)
	if err != nil {
		return payload{}, fmt.Errorf("blocks: %w", err)
	}
	if pj.Text == "" && len(blocks) == 0 {
		return payload{}, errors.New("text and blocks both empty")
	}
	body, err := webhookBody(raw)
	if err != nil {
		return payload{}, err
	}
	return payload{
		text:        pj.Text,
		blocks:      blocks,
		unfurlLinks: pj.UnfurlLinks != nil && *pj.UnfurlLinks,
		unfurlMedia: pj.UnfurlMedia != nil && *pj.UnfurlMedia,
		webhookBody: body,
		reply:       pj.Reply,
	}, nil
}

func parseBlocks(raw json.RawMessage) ([]slack.Block, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var blocks slack.Blocks
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return nil, err
	}
	if n := len(blocks.BlockSet); n > maxBlocks {
		return nil, fmt.Errorf("%d blocks, at most %d", n, maxBlocks)
	}
	return blocks.BlockSet, nil
}

// webhookBody is raw with unfurl_links and unfurl_media set to false when
// the payload does not set them, so both paths unfurl alike. A payload that
// sets both is posted byte for byte.
func webhookBody(raw json.RawMessage) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	_, links := m["unfurl_links"]
	_, media := m["unfurl_media"]
	_, reply := m[replyField]
	if links && media && !reply {
		return raw, nil
	}
	delete(m, replyField) // Herald's own, not Slack's
	for _, k := range []string{"unfurl_links", "unfurl_media"} {
		if _, ok := m[k]; !ok {
			m[k] = json.RawMessage("false")
		}
	}
	return json.Marshal(m)
}

// replyField marks a payload that replies in the thread of the first.
const replyField = "herald_reply"

// options are the chat.postMessage options for p, a reply in thread when
// p is one and thread is set; link and media unfurling stay off unless the
// payload turns them on.
func (p payload) options(thread string) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(p.text, false)}
	if p.reply && thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	if len(p.blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(p.blocks...))
	}
	if p.unfurlLinks {
		opts = append(opts, slack.MsgOptionEnableLinkUnfurl())
	} else {
		opts = append(opts, slack.MsgOptionDisableLinkUnfurl())
	}
	if !p.unfurlMedia {
		opts = append(opts, slack.MsgOptionDisableMediaUnfurl())
	}
	return opts
}
