package digest

import (
	"errors"
	"fmt"
	"time"
)

// SendError classifies a channel failure. Channels wrap their errors in one so
// the runner can decide between retrying (Temporary) and recording a
// permanent failure against the subscriber.
type SendError struct {
	Temporary  bool
	Code       int           // SMTP reply code or HTTP status, 0 when none
	Reason     string        // short machine-readable reason, e.g. "channel_not_found"
	RetryAfter time.Duration // a hint from the remote side (Slack 429), 0 when none
	// Channel says the channel itself failed, not this recipient: the relay
	// is unreachable or refused Herald's credentials, the Slack token is
	// missing or revoked. The runner holds the delivery without counting an
	// attempt, and never marks the recipient.
	Channel bool
	Err     error
}

func (e *SendError) Error() string {
	kind := "permanent"
	switch {
	case e.Channel:
		kind = "channel unavailable (temporary)"
	case e.Temporary:
		kind = "temporary"
	}
	if e.Code != 0 {
		return fmt.Sprintf("%s failure (%d): %v", kind, e.Code, e.Err)
	}
	return fmt.Sprintf("%s failure: %v", kind, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// Temporary wraps err as a failure worth retrying.
func Temporary(code int, err error) error {
	return &SendError{Temporary: true, Code: code, Err: err}
}

// Permanent wraps err as a failure that retrying will not fix.
func Permanent(code int, reason string, err error) error {
	return &SendError{Code: code, Reason: reason, Err: err}
}

// Unavailable wraps err as a channel-level failure: temporary, and no
// recipient's fault (see SendError.Channel).
func Unavailable(reason string, err error) error {
	return &SendError{Temporary: true, Channel: true, Reason: reason, Err: err}
}

// IsChannelDown reports whether err is a channel-level failure.
func IsChannelDown(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Channel
}

// IsTemporary reports whether err is worth retrying. An unclassified error
// (a lost connection, a timeout) counts as temporary.
func IsTemporary(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Temporary
	}
	return err != nil
}
