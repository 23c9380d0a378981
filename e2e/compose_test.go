package e2e

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// compose is the part of a compose file the check reads.
type compose struct {
	Services map[string]struct {
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		DependsOn   map[string]any    `yaml:"depends_on"`
		Ports       []string          `yaml:"ports"`
		Restart     string            `yaml:"restart"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
}

// The cluster compose file is valid YAML, runs three cluster-enabled nodes,
// joins them, and gives herald a cluster URL naming all three.
func TestComposeClusterFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docker-compose.cluster.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("docker-compose.cluster.yml: %v", err)
	}
	nodes := []string{"redis-1", "redis-2", "redis-3"}
	for _, n := range nodes {
		s, ok := c.Services[n]
		if !ok || !slices.Contains(s.Command, "--cluster-enabled") {
			t.Errorf("service %s: missing or not cluster-enabled (command %v)", n, s.Command)
		}
	}
	if _, ok := c.Services["herald"].DependsOn["redis-cluster-init"]; !ok {
		t.Error("herald does not wait for redis-cluster-init")
	}
	raw := c.Services["herald"].Environment["HERALD_REDIS_URL"]
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "redis" {
		t.Fatalf("HERALD_REDIS_URL %q: %v, want a redis:// URL", raw, err)
	}
	got := append([]string{u.Host}, u.Query()["addr"]...)
	want := []string{"redis-1:6379", "redis-2:6379", "redis-3:6379"}
	if !slices.Equal(got, want) {
		t.Errorf("HERALD_REDIS_URL names %v, want %v", got, want)
	}
}

// The shipped compose file restarts every service, checks each one's
// health, and publishes the admin listener on loopback only.
func TestComposeFileDefaults(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	for _, name := range []string{"redis", "mailpit", "herald"} {
		s := c.Services[name]
		if s.Restart != "unless-stopped" || len(s.Healthcheck.Test) == 0 {
			t.Errorf("service %s: restart %q, health check %v; want unless-stopped and a check", name, s.Restart, s.Healthcheck.Test)
		}
	}
	h := c.Services["herald"]
	_, port, err := net.SplitHostPort(h.Environment["HERALD_ADMIN_ADDR"])
	if err != nil {
		t.Fatalf("HERALD_ADMIN_ADDR %q: %v", h.Environment["HERALD_ADMIN_ADDR"], err)
	}
	for _, p := range h.Ports {
		if strings.HasSuffix(p, ":"+port) && !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("admin port published as %q, want 127.0.0.1 only", p)
		}
	}
	if !slices.Contains(h.Ports, "127.0.0.1:"+port+":"+port) {
		t.Errorf("admin port %s not published on 127.0.0.1: %v", port, h.Ports)
	}
}
