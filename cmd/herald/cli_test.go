package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"herald/internal/redistest"
)

// testSecret meets the 32-byte minimum herald asks of HERALD_SECRET.
const testSecret = "cli-test-secret-0123456789abcdef0123"

// redisFlags are the config flags pointing a command at this test's Redis.
func redisFlags(t *testing.T) []string {
	t.Helper()
	_, prefix := redistest.Client(t)
	return []string{"--redis-url", "redis://" + redistest.Addr(t) + "/0", "--redis-prefix", prefix}
}

// Every command answers -h with exit 0, titled by its own path, with an
// example and its own flags only (the config flags only on the root).
func TestHelpOnEveryCommand(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" && c.Parent().Name() != "herald" {
			return
		}
		args := append(strings.Fields(c.CommandPath())[1:], "-h")
		t.Run(c.CommandPath(), func(t *testing.T) {
			out, err := runCLI(t, args...)
			if err != nil || exitCode(err) != 0 {
				t.Fatalf("%v: %v (exit %d)\n%s", args, err, exitCode(err), out)
			}
			if c.Runnable() && !strings.Contains(out, "Usage:\n  "+c.CommandPath()) {
				t.Errorf("help is not titled %q:\n%s", c.CommandPath(), out)
			}
			if c.Example == "" && c.Runnable() && c.Parent().Name() != "completion" {
				t.Errorf("%s has no example", c.CommandPath())
			}
			hasConfig := strings.Contains(out, "--redis-url string")
			if hasConfig != (!c.HasParent() || c.Name() == "config") {
				t.Errorf("config flags listed: %v, want %v:\n%s", hasConfig, !c.HasParent(), out)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(os.Getenv))
}

func TestHelpCommand(t *testing.T) {
	out, err := runCLI(t, "help", "serve")
	if err != nil || !strings.Contains(out, "herald serve [flags]") || strings.Contains(out, "herald [command]") {
		t.Errorf("help serve: %v\n%s", err, out)
	}
	out, err = runCLI(t, "help", "config")
	if err != nil || !strings.Contains(out, "--redis-url") || !strings.Contains(out, "HERALD_REDIS_URL") {
		t.Errorf("help config: %v\n%s", err, out)
	}
	out, err = runCLI(t, "completion", "bash")
	if err != nil || !strings.Contains(out, "__start_herald") {
		t.Errorf("completion bash: %v\n%.200s", err, out)
	}
}

// Flags go anywhere: after positional arguments too (the README's own line).
func TestFlagsAfterPositionals(t *testing.T) {
	base := redisFlags(t)
	add := append([]string{"subscribers", "add", "--email", "pos@example.com", "--topics", "japan"}, base...)
	if out, err := runCLI(t, add...); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	file := filepath.Join(t.TempDir(), "digest.html")
	args := append([]string{"preview", "pos@example.com", "--format", "html", "-o", file}, base...)
	if out, err := runCLI(t, args...); err != nil {
		t.Fatalf("preview: %v\n%s", err, out)
	}
	b, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(b), "<html") {
		t.Errorf("digest.html: %v\n%.300s", err, b)
	}
}

// Every flag reads HERALD_<FLAG>, a command's own flags too; the command
// line wins.
func TestEnvForEveryFlag(t *testing.T) {
	base := redisFlags(t)
	t.Setenv("HERALD_SECRET", testSecret)
	t.Setenv("HERALD_OUTBOX", t.TempDir())
	if _, err := runCLI(t, append([]string{"run"}, base...)...); err == nil || exitCode(err) != 2 {
		t.Fatalf("run without --once: %v, want a usage error", err)
	}
	t.Setenv("HERALD_ONCE", "true")
	out, err := runCLI(t, append([]string{"run"}, base...)...)
	if err != nil || !strings.Contains(out, "dispatch: claimed 0") {
		t.Errorf("HERALD_ONCE=true herald run: %v\n%s", err, out)
	}
	t.Setenv("HERALD_REDIS_URL", "redis://127.0.0.1:1/0")
	if out, err := runCLI(t, append([]string{"status"}, base...)...); err != nil {
		t.Errorf("--redis-url must win over HERALD_REDIS_URL: %v\n%s", err, out)
	}
	if _, err := runCLI(t, "status"); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("HERALD_REDIS_URL ignored: %v", err)
	}
}

// Removing and deleting say what they did.
func TestRemoveAndDeleteReport(t *testing.T) {
	base := redisFlags(t)
	if out, err := runCLI(t, append([]string{"subscribers", "add", "--email", "gone@example.com"}, base...)...); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	out, err := runCLI(t, append([]string{"subscribers", "remove", "gone@example.com"}, base...)...)
	if err != nil || !strings.Contains(out, "removed ") || !strings.Contains(out, "gone@example.com") {
		t.Errorf("remove: %v\n%s", err, out)
	}
	file := filepath.Join(t.TempDir(), "s.json")
	story := `{"id":"del-1","url":"https://news.example.com/d","headline":"H","summary":"S.","topics":[{"name":"Japan"}],"published_at":"2026-11-28T08:00:00Z"}`
	if err := os.WriteFile(file, []byte(story), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runCLI(t, append([]string{"stories", "import", file}, base...)...); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err = runCLI(t, append([]string{"stories", "delete", "del-1"}, base...)...)
	if err != nil || !strings.Contains(out, "deleted story del-1") {
		t.Errorf("delete: %v\n%s", err, out)
	}
}
