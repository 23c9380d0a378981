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

// Recycler is a Renderer that can use an email's buffers again once its
// message is sent (templates.Set is one).
type Recycler interface {
	Recycle(r *Rendered)
}

// Copier is a Channel that keeps nothing of a message once Send returns
// (it copies what it sends), so the runner may hand the message's buffers
// back to a Recycler then. A channel that does not say so keeps its
// messages untouched.
type Copier interface {
	CopiesMessages() bool
}
