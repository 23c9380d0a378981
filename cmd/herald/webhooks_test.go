package main

import (
	"strings"
	"testing"
)

// herald webhooks add refuses a host not listed and an unknown event,
// naming the field; list shows an endpoint's events and last status.
func TestWebhooksCLI(t *testing.T) {
	base := redisFlags(t)
	cli := func(args ...string) (string, error) {
		return runCLI(t, append(append(args[:2:2], base...), args[2:]...)...)
	}
	if _, err := cli("webhooks", "add", "https://hooks.example.com/herald?token=SECRET"); err == nil || !strings.Contains(err.Error(), "url: host hooks.example.com is not listed in HERALD_WEBHOOK_HOSTS") || exitCode(err) != 2 {
		t.Errorf("unlisted host: %v", err)
	}
	base = append(base, "--webhook-hosts", "hooks.example.com")
	if _, err := cli("webhooks", "add", "https://hooks.example.com/herald", "--events", "message.opened"); err == nil || !strings.Contains(err.Error(), `events: "message.opened"`) {
		t.Errorf("unknown event: %v", err)
	}
	out, err := cli("webhooks", "add", "https://hooks.example.com/herald?token=SECRET", "--events", "message.sent,story.ingested")
	if err != nil || !strings.Contains(out, "secret: whsec_") {
		t.Fatalf("add: %v\n%s", err, out)
	}
	out, err = cli("webhooks", "list")
	if err != nil || !strings.Contains(out, "https://hooks.example.com/…") || !strings.Contains(out, "message.sent,story.ingested") || strings.Contains(out, "SECRET") {
		t.Errorf("list: %v\n%s", err, out)
	}
	if fields := strings.Fields(strings.Split(out, "\n")[1]); len(fields) < 6 || fields[3] != "0" || fields[4] != "-" {
		t.Errorf("a new endpoint's row %q, want 0 delivered and no status yet", fields)
	}
}
