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
	Err        error
}

func (e *SendError) Error() string {
	kind := "permanent"
	if e.Temporary {
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

// IsTemporary reports whether err is worth retrying. An unclassified error
// (a lost connection, a timeout) counts as temporary.
func IsTemporary(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Temporary
	}
	return err != nil
}
