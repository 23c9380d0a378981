package ratelimit

import (
	"strconv"
	"time"
)

// The limiter's one key, under the store's prefix <p>:
//
//	<p>ratelimit:<name>:<client>:<window> STRING events of one client in the
//	                                      window starting at <window> (unix
//	                                      ms); expires when the window ends
//
// Each key is its own slot: a script touches one key only.
type keys struct{ prefix, name string }

func (k keys) count(client string, window time.Time) string {
	return k.prefix + "ratelimit:" + k.name + ":" + client + ":" + strconv.FormatInt(window.UnixMilli(), 10)
}
