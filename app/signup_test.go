package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"herald/app"
	"herald/internal/redistest"
	"herald/internal/settable"
	"herald/subscribers"
)

// Sign-up is off unless HERALD_SIGNUP turns it on; its limits come from
// the environment and a limit that would turn a guard off is refused,
// naming the setting.
func TestSignupSettings(t *testing.T) {
	cfg := app.DefaultConfig()
	if cfg.Signup || cfg.SignupExpiry != 7*24*time.Hour {
		t.Fatalf("defaults: signup %v, expiry %v", cfg.Signup, cfg.SignupExpiry)
	}
	env := map[string]string{"HERALD_SIGNUP": "true", "HERALD_SIGNUP_EXPIRY": "48h", "HERALD_SIGNUP_LIMIT": "3", "HERALD_AUTH_WINDOW": "1m"}
	if err := cfg.LoadEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if !cfg.Signup || cfg.SignupExpiry != 48*time.Hour || cfg.SignupLimit != 3 || cfg.AuthWindow != time.Minute {
		t.Errorf("from env: %+v", cfg)
	}
	err := cfg.LoadEnv(func(k string) string { return map[string]string{"HERALD_SIGNUP": "yes please"}[k] })
	if err == nil || !strings.Contains(err.Error(), "HERALD_SIGNUP") {
		t.Errorf("HERALD_SIGNUP=yes please: %v", err)
	}
	for name, change := range map[string]func(*app.Config){
		"signup-limit":    func(c *app.Config) { c.SignupLimit = 0 },
		"auth-limit":      func(c *app.Config) { c.AuthWindow = 0 },
		"signup-cooldown": func(c *app.Config) { c.SignupCooldown = 0 },
	} {
		c := app.DefaultConfig()
		change(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: Validate = %v, want it named", name, err)
		}
	}
}

// The hourly sweep removes sign-ups left unconfirmed past
// HERALD_SIGNUP_EXPIRY, by the injected clock.
func TestSweepExpiresUnconfirmedSignups(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	c := settable.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	cfg := app.DefaultConfig()
	cfg.RedisPrefix, cfg.SignupExpiry = prefix, 48*time.Hour
	a, err := app.New(context.Background(), cfg, app.Options{RDB: rdb, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	sub := &subscribers.Subscriber{Email: "late@example.com", TimeZone: "UTC", Topics: []string{"japan"}, Status: subscribers.StatusPending}
	if err := a.Subs.Add(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	c.Add(47 * time.Hour)
	if err := a.ExpireSignups(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Subs.Get(t.Context(), sub.ID); err != nil {
		t.Fatalf("expired early: %v", err)
	}
	c.Add(2 * time.Hour)
	if err := a.ExpireSignups(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Subs.Get(t.Context(), sub.ID); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("after the expiry: %v, want it removed", err)
	}
}
