package subscribers_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/internal/keyring"
	"herald/internal/redistest"
	"herald/subscribers"
)

var (
	testKey     = []byte("0123456789abcdef0123456789abcdef")
	previousKey = []byte("previous-key-0123456789abcdef-0123")
	unknownKey  = []byte("unknown-key-0123456789abcdef-01234")
)

func TestTokens(t *testing.T) {
	keys := keyring.New(testKey)
	now := utc("2026-05-01T12:00:00Z")
	exp := now.Add(30 * 24 * time.Hour)
	subA := &subscribers.Subscriber{ID: "aaaa1111", Nonce: "nonceA"}
	tokA := subscribers.SignToken(keys, subA, subscribers.ActionUnsubscribe, exp)
	tokB := subscribers.SignToken(keys, &subscribers.Subscriber{ID: "bbbb2222"}, subscribers.ActionUnsubscribe, exp)

	t.Run("roundtrip", func(t *testing.T) {
		ref, err := subscribers.VerifyToken(keys, tokA, subscribers.ActionUnsubscribe, now)
		if err != nil || ref != (subscribers.TokenRef{Sub: "aaaa1111", Nonce: "nonceA"}) || !ref.Names(subA) {
			t.Fatalf("VerifyToken = %+v, %v", ref, err)
		}
		if strings.ContainsAny(tokA, "+/=") {
			t.Errorf("token %q is not URL-safe", tokA)
		}
	})
	t.Run("each token names its own subscriber", func(t *testing.T) {
		ref, err := subscribers.VerifyToken(keys, tokB, subscribers.ActionUnsubscribe, now)
		if err != nil || ref.Sub != "bbbb2222" || ref.Names(subA) {
			t.Fatalf("token B gives %+v, %v", ref, err)
		}
	})
	bad := []struct {
		name, token, action string
		keys                *keyring.Ring
		now                 time.Time
		want                error
	}{
		{"wrong action", tokA, subscribers.ActionPreferences, keys, now, subscribers.ErrTokenInvalid},
		{"wrong secret", tokA, subscribers.ActionUnsubscribe, keyring.New([]byte("another secret")), now, subscribers.ErrTokenInvalid},
		{"empty secret", subscribers.SignToken(keyring.New(nil), subA, "unsubscribe", exp), "unsubscribe", keyring.New(nil), now, subscribers.ErrTokenInvalid},
		{"expired", tokA, subscribers.ActionUnsubscribe, keys, exp, subscribers.ErrTokenExpired},
		{"empty", "", subscribers.ActionUnsubscribe, keys, now, subscribers.ErrTokenInvalid},
		{"no mac", strings.Split(tokA, ".")[0], subscribers.ActionUnsubscribe, keys, now, subscribers.ErrTokenInvalid},
		{"payload of B, mac of A", strings.Split(tokB, ".")[0] + "." + strings.Split(tokA, ".")[1],
			subscribers.ActionUnsubscribe, keys, now, subscribers.ErrTokenInvalid},
		{"huge", strings.Repeat("A", 5000), subscribers.ActionUnsubscribe, keys, now, subscribers.ErrTokenInvalid},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := subscribers.VerifyToken(tt.keys, tt.token, tt.action, tt.now)
			if !errors.Is(err, tt.want) || ref.Sub != "" {
				t.Fatalf("VerifyToken = %+v, %v; want %v", ref, err, tt.want)
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
				if ref, err := subscribers.VerifyToken(keys, forged, subscribers.ActionUnsubscribe, now); err == nil {
					t.Fatalf("tampered token %q verified as %+v", forged, ref)
				}
			}
		}
	})
}

// TestTokenKeyRotation: during a rotation the ring signs with the new key
// and still accepts what the previous one signed; a key it does not hold
// is refused, whatever ID the token claims.
func TestTokenKeyRotation(t *testing.T) {
	now := utc("2026-05-01T12:00:00Z")
	sub := &subscribers.Subscriber{ID: "aaaa1111", Nonce: "n1"}
	sign := func(key []byte) string {
		return subscribers.SignToken(keyring.New(key), sub, subscribers.ActionUnsubscribe, now.Add(time.Hour))
	}
	rotating := keyring.New(testKey, previousKey)
	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"signed by the current key", sign(testKey), true},
		{"signed by the previous key", sign(previousKey), true},
		{"signed by an unknown key", sign(unknownKey), false},
		{"unknown key claiming the current key's ID", withKeyID(t, sign(unknownKey), keyring.ID(testKey), unknownKey), false},
		{"signed before key IDs, by the previous key", legacyToken(previousKey, sub.ID, now.Add(time.Hour)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := subscribers.VerifyToken(rotating, tt.token, subscribers.ActionUnsubscribe, now)
			if (err == nil) != tt.ok {
				t.Fatalf("VerifyToken = %+v, %v; want ok %v", ref, err, tt.ok)
			}
			if tt.ok && ref.Sub != sub.ID {
				t.Errorf("names %q, want %q", ref.Sub, sub.ID)
			}
		})
	}
	if sign(testKey) != subscribers.SignToken(rotating, sub, subscribers.ActionUnsubscribe, now.Add(time.Hour)) {
		t.Error("the ring does not sign with its current key")
	}
}

// legacyToken is a token as Herald signed it before nonces and key IDs.
func legacyToken(key []byte, id string, exp time.Time) string {
	payload := `{"s":"` + id + `","a":"unsubscribe","e":` + strconv.FormatInt(exp.Unix(), 10) + `}`
	return b64(payload) + "." + b64(string(macOf(key, "herald-subscriber-token-v1\n", payload)))
}

// withKeyID re-signs token's payload under key after setting its key ID.
func withKeyID(t *testing.T, token, id string, key []byte) string {
	t.Helper()
	enc, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	old := `"k":"` + keyring.ID(key) + `"`
	payload := strings.Replace(string(raw), old, `"k":"`+id+`"`, 1)
	if payload == string(raw) {
		t.Fatalf("no %s in %s", old, raw)
	}
	return b64(payload) + "." + b64(string(macOf(key, "herald-subscriber-token-v1\n", payload)))
}

func macOf(key []byte, domain, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(domain + payload))
	return m.Sum(nil)
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestTokenOutlivesNoSubscriber: a token for a removed subscriber does not
// name the subscriber created next with the same ID, while one created
// before nonces (no nonce in its record) keeps its links working.
func TestTokenOutlivesNoSubscriber(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	keys := keyring.New(testKey)
	first := mustAdd(t, st, &subscribers.Subscriber{ID: "reused", Email: "first@example.com"})
	if first.Nonce == "" {
		t.Fatal("Add gave no nonce")
	}
	tok := subscribers.SignToken(keys, first, subscribers.ActionUnsubscribe, t0.Add(time.Hour))
	ref, err := subscribers.VerifyToken(keys, tok, subscribers.ActionUnsubscribe, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := st.GetByToken(ctx, ref); err != nil || got.Email != "first@example.com" {
		t.Fatalf("GetByToken before removal = %+v, %v", got, err)
	}
	if err := st.Remove(ctx, "reused"); err != nil {
		t.Fatal(err)
	}
	second := mustAdd(t, st, &subscribers.Subscriber{ID: "reused", Email: "second@example.com"})
	if second.Nonce == first.Nonce {
		t.Fatalf("re-created subscriber has its predecessor's nonce %q", first.Nonce)
	}
	if got, err := st.GetByToken(ctx, ref); !errors.Is(err, subscribers.ErrNotFound) {
		t.Fatalf("old token on the re-created subscriber = %+v, %v; want ErrNotFound", got, err)
	}
	if got, err := st.Get(ctx, "reused"); err != nil || got.Nonce != second.Nonce {
		t.Errorf("stored nonce = %+v, %v; want %q", got, err, second.Nonce)
	}
}

func TestTokenForSubscriberWithoutNonce(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := subscribers.NewStore(rdb, prefix, func() time.Time { return t0 })
	ctx := context.Background()
	keys := keyring.New(testKey)
	sub := mustAdd(t, st, &subscribers.Subscriber{ID: "before", Email: "before@example.com"})
	if err := rdb.HDel(ctx, prefix+"sub:{before}", "n").Err(); err != nil { // as Add wrote it before nonces
		t.Fatal(err)
	}
	legacy := legacyToken(testKey, "before", t0.Add(time.Hour))
	ref, err := subscribers.VerifyToken(keys, legacy, subscribers.ActionUnsubscribe, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := st.GetByToken(ctx, ref); err != nil || got.Email != sub.Email {
		t.Fatalf("token from before nonces on a subscriber from before nonces = %+v, %v", got, err)
	}
	forged := subscribers.TokenRef{Sub: "before", Nonce: "guessed"}
	if _, err := st.GetByToken(ctx, forged); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("a nonce on a record without one = %v, want ErrNotFound", err)
	}
}

// Tokens on both sides of seal's 256-byte stack buffer (an ID of about
// 100 bytes crosses it) verify.
func TestTokenOfEveryLength(t *testing.T) {
	keys := keyring.New(testKey)
	now := utc("2026-05-01T12:00:00Z")
	for n := 1; n <= 200; n++ {
		sub := &subscribers.Subscriber{ID: strings.Repeat("a", n), Nonce: "nonce"}
		tok := subscribers.SignToken(keys, sub, subscribers.ActionUnsubscribe, now.Add(time.Hour))
		ref, err := subscribers.VerifyToken(keys, tok, subscribers.ActionUnsubscribe, now)
		if err != nil || ref.Sub != sub.ID {
			t.Fatalf("id of %d bytes (token %d): %+v, %v", n, len(tok), ref, err)
		}
	}
}
