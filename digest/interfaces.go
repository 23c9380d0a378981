package digest

import (
	"context"
	"encoding/json"
)

// Renderer turns a built digest into message bodies. templates.Set is one.
type Renderer interface {
	RenderEmail(d *Digest) (*Rendered, error)
	RenderSlack(d *Digest) ([]json.RawMessage, error)
}

// Channel delivers one message. A nil error means the remote side accepted
// it; failures are wrapped in *SendError (see Temporary, Permanent).
type Channel interface {
	Send(ctx context.Context, msg *Message) error
}
