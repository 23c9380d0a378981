package main

import (
	"strings"
	"testing"
)

// Following a topic no story has warns (a typo, usually) and still
// follows; --create adds it to the registry.
func TestFollowUnknownTopic(t *testing.T) {
	base := redisFlags(t)
	out, err := runCLI(t, append([]string{"subscribers", "add", "--email", "t@example.com", "--topics", "Jpan"}, base...)...)
	if err != nil || !strings.Contains(out, `warning: topic "jpan" does not exist`) {
		t.Errorf("add with an unknown topic: %v\n%s", err, out)
	}
	out, err = runCLI(t, append([]string{"subscribers", "follow", "t@example.com", "Space Weather", "--create"}, base...)...)
	if err != nil || !strings.Contains(out, `created topic "space-weather"`) || strings.Contains(out, "warning") {
		t.Errorf("follow --create: %v\n%s", err, out)
	}
	topics, err := runCLI(t, append([]string{"stories", "topics"}, base...)...)
	if err != nil || !strings.Contains(topics, "space-weather") || !strings.Contains(topics, "Space Weather") || strings.Contains(topics, "jpan") {
		t.Errorf("topics: %v\n%s", err, topics)
	}
	if out, _ := runCLI(t, append([]string{"subscribers", "follow", "t@example.com", "space-weather"}, base...)...); strings.Contains(out, "warning") {
		t.Errorf("a registered topic warns:\n%s", out)
	}
}
