package subscribers_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/redistest"
	"herald/subscribers"
)

// BenchmarkMemoryPerSubscriber reports the Redis memory one email reader
// with 5 follows costs (used_memory before and after adding b.N of them,
// over 500 topics): go test ./subscribers -run '^$' -bench Memory -benchtime 20000x
func BenchmarkMemoryPerSubscriber(b *testing.B) {
	rdb, prefix := redistest.Client(b)
	ctx := context.Background()
	st := subscribers.NewStore(rdb, prefix, func() time.Time { return t0 })
	before := usedMemory(b, rdb)
	b.ResetTimer()
	for i := range b.N {
		topics := make([]string, 5)
		for j := range topics {
			topics[j] = fmt.Sprintf("topic-%03d", (i*7+j*101)%500)
		}
		sub := &subscribers.Subscriber{Email: fmt.Sprintf("reader%07d@example.com", i), Name: "",
			TimeZone: "Europe/London", Schedule: "daily 07:00", Topics: topics}
		if err := st.Add(ctx, sub); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(usedMemory(b, rdb)-before)/float64(b.N), "redis_bytes/subscriber")
}

// usedMemory sums used_memory over every master.
func usedMemory(tb testing.TB, rdb redis.UniversalClient) int64 {
	var total int64
	read := func(ctx context.Context, c *redis.Client) error {
		info, err := c.Info(ctx, "memory").Result()
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				total += n
			}
		}
		return err
	}
	var err error
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(context.Background(), read)
	} else {
		err = read(context.Background(), rdb.(*redis.Client))
	}
	if err != nil {
		tb.Fatal(err)
	}
	return total
}
