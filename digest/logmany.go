package digest

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// RecordMany appends deliveries in order, entries identical to Record's,
// with one command: a script that runs one XADD per delivery on the log's
// single key (so it suits Redis Cluster too).
func (l *RedisLog) RecordMany(ctx context.Context, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	per := len(deliveryFields(ds[0]))
	args := make([]any, 0, 2+per*len(ds))
	args = append(args, l.maxLen, per)
	for _, d := range ds {
		args = append(args, deliveryFields(d)...)
	}
	if err := recordManyScript.Run(ctx, l.rdb, []string{l.key}, args...).Err(); err != nil {
		return fmt.Errorf("digest: record %d deliveries: %w", len(ds), err)
	}
	return nil
}

var _ batchRecorder = (*RedisLog)(nil)

// recordManyScript: KEYS[1] the stream; ARGV max length (approximate),
// values per entry, then each entry's field-value pairs in turn.
var recordManyScript = redis.NewScript(`
local n = tonumber(ARGV[2])
for i = 3, #ARGV, n do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, i, i + n - 1))
end
return (#ARGV - 2) / n
`)
