package subscribers_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"herald/subscribers"
)

func TestTokens(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := utc("2026-05-01T12:00:00Z")
	exp := now.Add(30 * 24 * time.Hour)
	tokA := subscribers.SignToken(secret, "aaaa1111", subscribers.ActionUnsubscribe, exp)
	tokB := subscribers.SignToken(secret, "bbbb2222", subscribers.ActionUnsubscribe, exp)

	t.Run("roundtrip", func(t *testing.T) {
		id, err := subscribers.VerifyToken(secret, tokA, subscribers.ActionUnsubscribe, now)
		if err != nil || id != "aaaa1111" {
			t.Fatalf("VerifyToken = %q, %v", id, err)
		}
		if strings.ContainsAny(tokA, "+/=") {
			t.Errorf("token %q is not URL-safe", tokA)
		}
	})
	t.Run("each token names its own subscriber", func(t *testing.T) {
		id, err := subscribers.VerifyToken(secret, tokB, subscribers.ActionUnsubscribe, now)
		if err != nil || id != "bbbb2222" {
			t.Fatalf("token B gives %q, %v", id, err)
		}
	})
	bad := []struct {
		name, token, action string
		secret              []byte
		now                 time.Time
		want                error
	}{
		{"wrong action", tokA, subscribers.ActionPreferences, secret, now, subscribers.ErrTokenInvalid},
		{"wrong secret", tokA, subscribers.ActionUnsubscribe, []byte("another secret"), now, subscribers.ErrTokenInvalid},
		{"empty secret", subscribers.SignToken(nil, "aaaa1111", "unsubscribe", exp), "unsubscribe", nil, now, subscribers.ErrTokenInvalid},
		{"expired", tokA, subscribers.ActionUnsubscribe, secret, exp, subscribers.ErrTokenExpired},
		{"empty", "", subscribers.ActionUnsubscribe, secret, now, subscribers.ErrTokenInvalid},
		{"no mac", strings.Split(tokA, ".")[0], subscribers.ActionUnsubscribe, secret, now, subscribers.ErrTokenInvalid},
		{"payload of B, mac of A", strings.Split(tokB, ".")[0] + "." + strings.Split(tokA, ".")[1],
			subscribers.ActionUnsubscribe, secret, now, subscribers.ErrTokenInvalid},
		{"huge", strings.Repeat("A", 5000), subscribers.ActionUnsubscribe, secret, now, subscribers.ErrTokenInvalid},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			id, err := subscribers.VerifyToken(tt.secret, tt.token, tt.action, tt.now)
			if !errors.Is(err, tt.want) || id != "" {
				t.Fatalf("VerifyToken = %q, %v; want %v", id, err, tt.want)
			}
		})
	}
	t.Run("every single-character change is caught", func(t *testing.T) {
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
		for i := range tokA {
			for _, c := range []byte(alphabet) {
				if c == tokA[i] {
					continue
				}
				forged := tokA[:i] + string(c) + tokA[i+1:]
				if id, err := subscribers.VerifyToken(secret, forged, subscribers.ActionUnsubscribe, now); err == nil {
					t.Fatalf("tampered token %q verified as %q", forged, id)
				}
			}
		}
	})
}
