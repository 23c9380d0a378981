package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestRedisURLForms(t *testing.T) {
	cases := []struct {
		url, kind string
	}{
		{"redis://127.0.0.1:6379/0", "node"},
		{"rediss://u:p@cache.example:6380/2", "node"},
		{"redis://h1:7000?addr=h2:7001&addr=h3:7002", "cluster"},
		{"redis+cluster://h1:7000", "cluster"},
		{"redis://s1:26379?master_name=herald&addr=s2:26379", "sentinel"},
		{"redis+sentinel://s1:26379?master_name=herald", "sentinel"},
	}
	for _, c := range cases {
		kind, _, err := redisKind(c.url)
		if err != nil || kind != c.kind {
			t.Errorf("redisKind(%s) = %q, %v; want %s", c.url, kind, err, c.kind)
		}
		rdb, err := NewRedisClient(c.url)
		if err != nil {
			t.Errorf("NewRedisClient(%s): %v", c.url, err)
			continue
		}
		if cc, ok := rdb.(*redis.ClusterClient); ok && cc.Options().ClusterStateReloadInterval != ClusterReload {
			t.Errorf("%s: slot map reloaded every %v, want %v", c.url, cc.Options().ClusterStateReloadInterval, ClusterReload)
		}
		_ = rdb.Close()
	}
	for _, bad := range []string{"http://h:1", "redis+sentinel://s1:26379", "redis+bogus://h:1", "redis://h:1?bogus=1"} {
		if _, err := NewRedisClient(bad); err == nil {
			t.Errorf("NewRedisClient(%s) accepted", bad)
		}
	}
}

func TestPrefixWithHashTagRefused(t *testing.T) {
	c := DefaultConfig()
	c.RedisPrefix = "herald:{prod}:"
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "redis-prefix") || !strings.Contains(err.Error(), "one Redis Cluster slot") {
		t.Fatalf("Validate = %v, want a redis-prefix error", err)
	}
}

func TestRedisURLFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redis-url")
	if err := os.WriteFile(path, []byte("redis://:s3cret@10.0.0.5:6379/3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	env := map[string]string{"HERALD_REDIS_URL_FILE": path}
	if err := c.LoadEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.RedisURL != "redis://:s3cret@10.0.0.5:6379/3" {
		t.Errorf("RedisURL = %q", c.RedisURL)
	}
}
