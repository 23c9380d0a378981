package slack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"herald/digest"
)

// Sentinel errors for messages that cannot be sent; they come wrapped in a
// permanent *digest.SendError with Reason "invalid_message".
var (
	ErrNoDestination  = errors.New("slack: message has no Slack destination")
	ErrNoToken        = errors.New("slack: no bot token configured")
	ErrInvalidPayload = errors.New("slack: invalid payload")
)

// reasonInvalid is the SendError.Reason of a message rejected before posting.
const reasonInvalid = "invalid_message"

// destination is one resolved Slack destination.
type destination struct {
	key     string // pacing key, safe to log: "channel:C123" or "webhook:<hash>"
	channel string
	webhook string // a secret: never log it
}

// Send posts msg.Payloads in order to msg.Slack and reports the outcome as
// nil or a *digest.SendError. A temporary failure after some payloads were
// posted names how many were; a retry of the same msg.ID in this process then
// continues with the first payload not yet posted (see resumeLog).
func (s *Sender) Send(ctx context.Context, msg *digest.Message) error {
	dest, payloads, err := s.prepare(msg)
	if errors.Is(err, ErrNoToken) { // configuration, not the team's fault
		return digest.Unavailable("no_token", err)
	}
	if err != nil {
		return digest.Permanent(0, reasonInvalid, err)
	}
	start, thread := s.resume.start(msg.ID, len(payloads))
	if start > 0 {
		s.log.Info("slack: resuming message", "message_id", msg.ID,
			"destination", dest.key, "posted", start, "payloads", len(payloads))
	}
	for k := start; k < len(payloads); k++ {
		ts, se := s.deliver(ctx, dest, payloads[k], thread)
		if se != nil {
			return s.failed(msg.ID, k, len(payloads), thread, se)
		}
		if k == 0 {
			thread = ts // the replies go in the first message's thread
		}
	}
	s.resume.forget(msg.ID)
	return nil
}

// failed records how far a message got and wraps its error with that count.
func (s *Sender) failed(id string, k, n int, thread string, se *digest.SendError) error {
	if se.Temporary {
		s.resume.record(id, k, n, thread)
	} else {
		s.resume.forget(id)
	}
	out := *se
	out.Err = fmt.Errorf("slack: payload %d of %d (%d posted): %w", k+1, n, k, se.Err)
	return &out
}

// prepare checks msg and parses all its payloads before anything is posted.
func (s *Sender) prepare(msg *digest.Message) (destination, []payload, error) {
	if msg == nil || msg.Slack == nil {
		return destination{}, nil, ErrNoDestination
	}
	dest, err := s.resolve(msg.Slack)
	if err != nil {
		return destination{}, nil, err
	}
	if len(msg.Payloads) == 0 {
		return destination{}, nil, fmt.Errorf("%w: Payloads: empty", ErrInvalidPayload)
	}
	payloads := make([]payload, len(msg.Payloads))
	for i, raw := range msg.Payloads {
		if payloads[i], err = parsePayload(raw); err != nil {
			return destination{}, nil, fmt.Errorf("%w: Payloads[%d]: %w", ErrInvalidPayload, i, err)
		}
	}
	return dest, payloads, nil
}

func (s *Sender) resolve(d *digest.SlackDestination) (destination, error) {
	switch {
	case d.Channel != "" && d.WebhookURL != "":
		return destination{}, fmt.Errorf("%w: Slack.Channel and Slack.WebhookURL both set", ErrNoDestination)
	case d.Channel != "":
		if s.cfg.Token == "" {
			return destination{}, ErrNoToken
		}
		return destination{key: "channel:" + d.Channel, channel: d.Channel}, nil
	case d.WebhookURL != "":
		return destination{key: webhookKey(d.WebhookURL), webhook: d.WebhookURL}, nil
	default:
		return destination{}, fmt.Errorf("%w: Slack.Channel and Slack.WebhookURL both empty", ErrNoDestination)
	}
}

// webhookKey names a webhook without revealing it: a short hash of the URL.
func webhookKey(u string) string {
	sum := sha256.Sum256([]byte(u))
	return "webhook:" + hex.EncodeToString(sum[:8])
}

// Check asks Slack whether the bot token works (auth.test): nil, or a
// channel-level *digest.SendError. It is the probe that tells when a
// missing Slack, or a revoked token, is back.
func (s *Sender) Check(ctx context.Context) error {
	if s.cfg.Token == "" {
		return digest.Unavailable("no_token", ErrNoToken)
	}
	if _, err := s.api.AuthTestContext(ctx); err != nil {
		se := apiDown(classifyAPI(err))
		se.Channel, se.Temporary = true, true
		return fmt.Errorf("slack: auth.test: %w", se)
	}
	return nil
}
