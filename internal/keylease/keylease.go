// Package keylease is a lease held in one Redis key: the key holds its
// owner's token and expires, so a process that dies lets go by itself.
// Feeds (one poller a feed), webhook endpoints (one deliverer an
// endpoint) and subscribers' destination claims use it.
package keylease

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Hold takes key for owner until ttl from now, or renews it when owner
// holds it already; false when someone else holds it.
func Hold(ctx context.Context, rdb redis.Scripter, key, owner string, ttl time.Duration) (bool, error) {
	n, err := holdScript.Run(ctx, rdb, []string{key}, owner, ttl.Milliseconds()).Int()
	return n == 1, err
}

// Release deletes key when owner holds it, and leaves it alone otherwise.
func Release(ctx context.Context, rdb redis.Scripter, key, owner string) error {
	return releaseScript.Run(ctx, rdb, []string{key}, owner).Err()
}

var holdScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)
