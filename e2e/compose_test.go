package e2e

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

// compose is the part of a compose file the check reads.
type compose struct {
	Services map[string]struct {
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		DependsOn   map[string]any    `yaml:"depends_on"`
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
