package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// OpenRedis connects to rawURL and checks the server answers, failing with
// one line that says what was tried and how to fix it.
func OpenRedis(ctx context.Context, rawURL string) (redis.UniversalClient, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("HERALD_REDIS_URL %q is not a redis:// URL: %w", redactURL(rawURL), err)
	}
	opt.DialTimeout = 2 * time.Second
	rdb := redis.NewClient(opt)
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("cannot reach Redis at %s (HERALD_REDIS_URL=%s): %v; start redis-server or point HERALD_REDIS_URL at a running one",
			opt.Addr, redactURL(rawURL), err)
	}
	return rdb, nil
}

// RouteRedisLogs sends go-redis's own log lines (dial retries and the like)
// to l at debug level, so an unreachable Redis is reported once, by
// OpenRedis, and not as a stack of retries.
func RouteRedisLogs(l *slog.Logger) { redis.SetLogger(redisLogger{l}) }

type redisLogger struct{ l *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.l.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
