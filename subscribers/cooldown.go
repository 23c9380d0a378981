package subscribers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// StartCooldown claims the right to send a confirmation email to email
// now: it reports false, and claims nothing, when a claim for the address
// was made less than d ago (by the store's clock), in this process or in
// another sharing the Redis. So one address gets at most one confirmation
// email per d however often it is signed up.
func (st *Store) StartCooldown(ctx context.Context, email string, d time.Duration) (bool, error) {
	ok, err := cooldownScript.Run(ctx, st.rdb, []string{st.cooldownKey(email)},
		st.now().UnixMilli(), max(d.Milliseconds(), 1)).Bool()
	if err != nil {
		return false, fmt.Errorf("subscribers: cooldown: %w", err)
	}
	return ok, nil
}

// EndCooldown drops the address's claim (its email could not be sent), so
// the next sign-up may try again at once.
func (st *Store) EndCooldown(ctx context.Context, email string) error {
	if err := st.rdb.Del(ctx, st.cooldownKey(email)).Err(); err != nil {
		return fmt.Errorf("subscribers: cooldown: %w", err)
	}
	return nil
}

// addressHash is the hex SHA-256 of the lowercased address: a key that
// names an address without spelling it out.
func addressHash(email string) string {
	sum := sha256.Sum256([]byte(lower(email)))
	return hex.EncodeToString(sum[:])
}

// cooldownScript: KEYS the cooldown key; ARGV now, cooldown (ms). Claims
// the key (its value the claim's time, expiring with the cooldown) unless a
// claim younger than the cooldown holds it. Returns 1 when claimed.
var cooldownScript = redis.NewScript(`
local at = redis.call('GET', KEYS[1])
if at and tonumber(at) > tonumber(ARGV[1]) - tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)
