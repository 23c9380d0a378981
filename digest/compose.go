package digest

import (
	"fmt"
	"time"

	"herald/subscribers"
)

// Composer turns a built digest into a Message for its subscriber's channel.
type Composer struct {
	Renderer Renderer
	// Links returns the signed personal links of d's subscriber; nil
	// means none.
	Links func(d *Digest) Links
	// Web returns the signed link to d's web version; nil means none.
	Web func(d *Digest) string
}

// Compose renders d and addresses the message. The message ID depends only
// on the subscriber and the window start, never on the content.
func (c *Composer) Compose(d *Digest, now time.Time) (*Message, error) {
	sub := d.Subscriber
	if c.Links != nil {
		d.Links = c.Links(d)
	}
	if c.Web != nil {
		d.Links.Web = c.Web(d)
	}
	msg := &Message{
		ID:           MessageID(sub.ID, d.Window.Start),
		SubscriberID: sub.ID,
		Kind:         sub.Kind,
		Date:         now,
		Links:        d.Links,
	}
	switch sub.Kind {
	case subscribers.KindEmail:
		r, err := c.Renderer.RenderEmail(d)
		if err != nil {
			return nil, fmt.Errorf("digest: render email for %s: %w", sub.ID, err)
		}
		msg.To = Address{Name: sub.Name, Email: sub.Email}
		msg.Email = r
	case subscribers.KindSlack:
		p, err := c.Renderer.RenderSlack(d)
		if err != nil {
			return nil, fmt.Errorf("digest: render slack for %s: %w", sub.ID, err)
		}
		msg.Slack = &SlackDestination{Channel: sub.SlackChannel, WebhookURL: sub.WebhookURL}
		msg.Payloads = p
	default:
		return nil, fmt.Errorf("digest: subscriber %s: unknown kind %q", sub.ID, sub.Kind)
	}
	return msg, nil
}
