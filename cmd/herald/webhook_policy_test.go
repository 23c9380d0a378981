package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"herald/internal/redistest"
)

// teams add refuses a webhook aimed at a metadata address or at localhost,
// naming the field (exit 2), unless HERALD_SLACK_WEBHOOK_HOSTS lists it.
func TestTeamsAddWebhookPolicy(t *testing.T) {
	_, prefix := redistest.Client(t)
	base := []string{"teams", "add", "--redis-url", redistest.URL(t), "--redis-prefix", prefix, "--topics", "japan", "--create"}
	dir := t.TempDir()
	add := func(hook string, extra ...string) error {
		file := filepath.Join(dir, "hook")
		if err := os.WriteFile(file, []byte(hook), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := runCLI(t, append(append(base, "--webhook-url-file", file), extra...)...)
		if strings.Contains(out, "SECRETPATH") || err != nil && strings.Contains(err.Error(), "SECRETPATH") {
			t.Errorf("the webhook URL was printed: %s %v", out, err)
		}
		return err
	}
	for _, hook := range []string{"https://169.254.169.254/SECRETPATH", "http://localhost:6379/SECRETPATH"} {
		err := add(hook)
		if err == nil || !strings.Contains(err.Error(), "webhook_url") || exitCode(err) != 2 {
			t.Errorf("teams add %s: %v (exit %d), want exit 2 naming webhook_url", hook, err, exitCode(err))
		}
	}
	if err := add("http://localhost:6379/SECRETPATH", "--slack-webhook-hosts", "localhost:6379"); err != nil {
		t.Errorf("allow-listed test double refused: %v", err)
	}
}
