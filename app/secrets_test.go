package app_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"herald/app"
)

// Weak secrets are refused naming the variable; env values are trimmed as
// _FILE values are, so a trailing space does not silently lock the API.
func TestWeakSecretsRefused(t *testing.T) {
	tests := []struct {
		name, secret, token, previous, want string
	}{
		{"short secret", "a", "", "", "HERALD_SECRET"},
		{"short previous secret", strings.Repeat("k", 32), "", strings.Repeat("p", 32) + ", short", "HERALD_SECRET_PREVIOUS: key 2"},
		{"previous secrets fine", strings.Repeat("k", 32), "", strings.Repeat("p", 32) + "," + strings.Repeat("q", 32), ""},
		{"short token", strings.Repeat("k", 32), "x", "", "HERALD_API_TOKEN"},
		{"both fine", strings.Repeat("k", 32), strings.Repeat("t", 24), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := app.DefaultConfig()
			cfg.Secret, cfg.APIToken, cfg.SecretPrevious = tt.secret, tt.token, tt.previous
			err := cfg.CheckSecrets()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("CheckSecrets: %v, want an error naming %q", err, tt.want)
			}
		})
	}
	cfg := app.DefaultConfig()
	env := map[string]string{"HERALD_API_TOKEN": "tok-0123456789abcdef01234 \n"}
	if err := cfg.LoadEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if cfg.APIToken != "tok-0123456789abcdef01234" {
		t.Errorf("API token %q, want it trimmed", cfg.APIToken)
	}
}

// HERALD_SECRET_PREVIOUS is a secret: it may come from a _FILE, and its
// comma-separated keys are trimmed.
func TestPreviousSecretsFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "previous")
	if err := os.WriteFile(path, []byte(" old-key-one-0123456789abcdef0123 ,old-key-two-0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := app.DefaultConfig()
	env := map[string]string{"HERALD_SECRET_PREVIOUS_FILE": path}
	if err := cfg.LoadEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	got := cfg.PreviousSecrets()
	want := [][]byte{[]byte("old-key-one-0123456789abcdef0123"), []byte("old-key-two-0123456789abcdef0123")}
	if !slices.EqualFunc(got, want, func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Errorf("PreviousSecrets = %q, want %q", got, want)
	}
}

// The bounce webhook's credential is held to the same lengths, and may not
// be the admin token itself.
func TestWeakBounceCredentialRefused(t *testing.T) {
	admin := strings.Repeat("t", 24)
	tests := []struct {
		name, token, secret, want string
	}{
		{"short token", "b", "", "HERALD_BOUNCE_TOKEN"},
		{"short secret", "", "s", "HERALD_BOUNCE_SECRET"},
		{"the admin token", admin, "", "HERALD_BOUNCE_TOKEN equals HERALD_API_TOKEN"},
		{"both fine", strings.Repeat("b", 24), strings.Repeat("s", 32), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := app.DefaultConfig()
			cfg.Secret, cfg.APIToken, cfg.BounceToken, cfg.BounceSecret = strings.Repeat("k", 32), admin, tt.token, tt.secret
			err := cfg.CheckSecrets()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("CheckSecrets: %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

// The Slack app's signing secret is refused when weak, and read from a
// _FILE like every secret.
func TestSlackSigningSecret(t *testing.T) {
	cfg := app.DefaultConfig()
	cfg.Secret, cfg.SlackSigningSecret = strings.Repeat("k", 32), "short"
	if err := cfg.CheckSecrets(); err == nil || !strings.Contains(err.Error(), "HERALD_SLACK_SIGNING_SECRET") {
		t.Errorf("CheckSecrets: %v, want an error naming HERALD_SLACK_SIGNING_SECRET", err)
	}
	path := filepath.Join(t.TempDir(), "signing")
	if err := os.WriteFile(path, []byte("8f742231b10e8888abcd99yyyzzz85a5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg = app.DefaultConfig()
	cfg.Secret = strings.Repeat("k", 32)
	env := map[string]string{"HERALD_SLACK_SIGNING_SECRET_FILE": path}
	if err := cfg.LoadEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if cfg.SlackSigningSecret != "8f742231b10e8888abcd99yyyzzz85a5" {
		t.Errorf("signing secret %q, want the file's value trimmed", cfg.SlackSigningSecret)
	}
	if err := cfg.CheckSecrets(); err != nil {
		t.Errorf("CheckSecrets with a 32-character signing secret: %v", err)
	}
}
