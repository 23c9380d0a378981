package digest

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"herald/internal/rscript"
	"herald/internal/shard"
)

// RecordShared appends deliveries to the shared view only, in order, with
// one script a shard in one pipelined round trip: for deliveries whose
// subscriber entries (Entry) went in with their completions.
func (l *RedisLog) RecordShared(ctx context.Context, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	byShard := map[int][]any{}
	for _, d := range ds {
		i := shard.Of(d.SubscriberID, l.shards)
		if byShard[i] == nil {
			byShard[i] = append(make([]any, 0, 2+fieldsPerDelivery), l.maxLen, fieldsPerDelivery)
		}
		byShard[i] = appendDeliveryFields(byShard[i], d)
	}
	calls := make([]rscript.Call, 0, len(byShard))
	for i, args := range byShard {
		calls = append(calls, rscript.Call{Keys: []string{l.shardKey(i)}, Args: args})
	}
	for _, cmd := range rscript.EvalMany(ctx, l.rdb, recordManyScript, calls) {
		if err := cmd.Err(); err != nil {
			return fmt.Errorf("digest: record %d deliveries: %w", len(ds), err)
		}
	}
	return nil
}

var _ batchRecorder = (*RedisLog)(nil)

// recordManyScript: KEYS[1] a shard stream; ARGV max length (approximate),
// values per entry, then each entry's field-value pairs in turn.
var recordManyScript = redis.NewScript(`
local n = tonumber(ARGV[2])
for i = 3, #ARGV, n do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, i, i + n - 1))
end
return (#ARGV - 2) / n
`)
