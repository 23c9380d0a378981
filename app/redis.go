package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/internal/redisstate"
)

// ClusterReload is how often a cluster client re-reads the slot map even
// without a MOVED reply. go-redis' default (60 s) keeps a client dialling a
// dead master's address for up to a minute after its replica took over.
const ClusterReload = 2 * time.Second

// The forms HERALD_REDIS_URL takes:
//
//	redis[s]://[user:pass@]host:port[/db]                       one node
//	redis[s]://[user:pass@]h1:p1?addr=h2:p2&addr=h3:p3          a Redis Cluster (go-redis' form)
//	redis[s]+cluster://[user:pass@]h1:p1[?addr=h2:p2…]          a Redis Cluster, from one seed or more
//	redis[s]://[user:pass@]s1:p1?master_name=M[&addr=s2:p2…]    a Sentinel-managed primary (the hosts are sentinels)
//	redis[s]+sentinel://…                                       the same, spelled out
//
// Query parameters are go-redis' options (dial_timeout, pool_size, …).

// redisKind says which form rawURL has, and rewrites it to go-redis' own.
func redisKind(rawURL string) (kind, norm string, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", "", err
	}
	base, suffix, _ := strings.Cut(u.Scheme, "+")
	if base != "redis" && base != "rediss" {
		return "", "", fmt.Errorf("scheme %q: want redis://, rediss://, redis+cluster:// or redis+sentinel://", u.Scheme)
	}
	u.Scheme = base
	q := u.Query()
	switch {
	case suffix == "sentinel" || q.Has("master_name"):
		if !q.Has("master_name") {
			return "", "", errors.New("a Sentinel URL needs master_name=<name>")
		}
		return "sentinel", u.String(), nil
	case suffix == "cluster" || q.Has("addr"):
		return "cluster", u.String(), nil
	case suffix != "":
		return "", "", fmt.Errorf("scheme %q: want redis+cluster or redis+sentinel", u.Scheme)
	}
	return "node", u.String(), nil
}

// NewRedisClient builds the client rawURL describes, without dialling.
func NewRedisClient(rawURL string) (redis.UniversalClient, error) {
	kind, norm, err := redisKind(rawURL)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "cluster":
		opt, err := redis.ParseClusterURL(norm)
		if err != nil {
			return nil, err
		}
		opt.DialTimeout = 2 * time.Second
		opt.ClusterStateReloadInterval = ClusterReload
		opt.MaxRedirects = 8
		return redis.NewClusterClient(opt), nil
	case "sentinel":
		opt, err := redis.ParseFailoverURL(norm)
		if err != nil {
			return nil, err
		}
		opt.DialTimeout = 2 * time.Second
		return redis.NewFailoverClient(opt), nil
	}
	opt, err := redis.ParseURL(norm)
	if err != nil {
		return nil, err
	}
	opt.DialTimeout = 2 * time.Second
	return redis.NewClient(opt), nil
}

// OpenRedis connects to rawURL and checks the server (every master of a
// cluster) answers, failing with one line that says what was tried and how
// to fix it.
func OpenRedis(ctx context.Context, rawURL string) (redis.UniversalClient, error) {
	rdb, err := NewRedisClient(rawURL)
	if err != nil {
		return nil, fmt.Errorf("HERALD_REDIS_URL %q is not a Redis URL: %w", redactURL(rawURL), err)
	}
	checkCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := redisstate.Ready(checkCtx, rdb); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("cannot reach Redis at %s (HERALD_REDIS_URL=%s): %v; start redis-server or point HERALD_REDIS_URL at a running one",
			redisAddrs(rawURL), redactURL(rawURL), err)
	}
	return rdb, nil
}

// redisAddrs lists the hosts rawURL names (host and addr= parameters).
func redisAddrs(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "?"
	}
	return strings.Join(append([]string{u.Host}, u.Query()["addr"]...), ",")
}

// RouteRedisLogs sends go-redis's own log lines (dial retries and the like)
// to l at debug level, so an unreachable Redis is reported once, by
// OpenRedis, and not as a stack of retries.
func RouteRedisLogs(l *slog.Logger) { redis.SetLogger(redisLogger{l}) }

type redisLogger struct{ l *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.l.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
