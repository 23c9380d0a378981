package email

import "herald/digest"

var _ digest.Copier = (*Sender)(nil)

// CopiesMessages says Send keeps nothing of a message once it returns: the
// bytes on the wire are built in the sender's own buffers, so the runner
// may recycle the rendered email then (digest.Copier).
func (s *Sender) CopiesMessages() bool { return true }
