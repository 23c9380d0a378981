package subscribers_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/internal/keyring"
	"herald/subscribers"
)

func TestWebToken(t *testing.T) {
	secret := keyring.New(testKey)
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	ref := subscribers.WebRef{Sub: "sub-1", Nonce: "n1", Start: now.Add(-24 * time.Hour), End: now, Topics: []string{"japan", "south-korea"}, Max: 8}
	tok := subscribers.SignWebToken(secret, ref, now.Add(time.Hour))
	got, err := subscribers.VerifyWebToken(secret, tok, now)
	if err != nil || got.TokenRef() != (subscribers.TokenRef{Sub: "sub-1", Nonce: "n1"}) || !got.Start.Equal(ref.Start) || !got.End.Equal(now) || !slices.Equal(got.Topics, ref.Topics) || got.Max != 8 {
		t.Fatalf("VerifyWebToken = %+v, %v; want %+v", got, err, ref)
	}
	if _, err := subscribers.VerifyWebToken(secret, tok, now.Add(time.Hour)); !errors.Is(err, subscribers.ErrTokenExpired) {
		t.Errorf("after expiry: %v, want ErrTokenExpired", err)
	}
	if _, err := subscribers.VerifyWebToken(keyring.New([]byte("another secret of thirty-two by")), tok, now); !errors.Is(err, subscribers.ErrTokenInvalid) {
		t.Errorf("other secret: %v, want ErrTokenInvalid", err)
	}
	other := subscribers.SignToken(secret, &subscribers.Subscriber{ID: "sub-1"}, subscribers.ActionPreferences, now.Add(time.Hour))
	if _, err := subscribers.VerifyWebToken(secret, other, now); !errors.Is(err, subscribers.ErrTokenInvalid) {
		t.Errorf("a preferences token as a web token: %v, want ErrTokenInvalid", err)
	}
	if _, err := subscribers.VerifyToken(secret, tok, subscribers.ActionPreferences, now); !errors.Is(err, subscribers.ErrTokenInvalid) {
		t.Errorf("a web token as a preferences token: %v, want ErrTokenInvalid", err)
	}
	payload, mac, _ := strings.Cut(tok, ".")
	if _, err := subscribers.VerifyWebToken(secret, payload+"x."+mac, now); !errors.Is(err, subscribers.ErrTokenInvalid) {
		t.Errorf("tampered token: %v, want ErrTokenInvalid", err)
	}
}

func TestWebTokenKeyRotation(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	ref := subscribers.WebRef{Sub: "sub-1", Start: now.Add(-time.Hour), End: now}
	rotating := keyring.New(testKey, previousKey)
	old := subscribers.SignWebToken(keyring.New(previousKey), ref, now.Add(time.Hour))
	if got, err := subscribers.VerifyWebToken(rotating, old, now); err != nil || got.Sub != "sub-1" {
		t.Errorf("signed by the previous key: %+v, %v", got, err)
	}
	unknown := subscribers.SignWebToken(keyring.New(unknownKey), ref, now.Add(time.Hour))
	if _, err := subscribers.VerifyWebToken(rotating, unknown, now); !errors.Is(err, subscribers.ErrTokenInvalid) {
		t.Errorf("signed by an unknown key: %v, want ErrTokenInvalid", err)
	}
}

// A web version link from before nonces and key IDs still opens.
func TestWebTokenFromBeforeKeyIDs(t *testing.T) {
	payload := `{"s":"sub-1","a":"2026-11-29T07:00:00Z","b":"2026-11-29T08:00:00Z","t":["japan"],"e":1893456000}`
	tok := b64(payload) + "." + b64(string(macOf(previousKey, "herald-web-version-v1\n", payload)))
	ref, err := subscribers.VerifyWebToken(keyring.New(testKey, previousKey), tok, time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC))
	if err != nil || ref.TokenRef() != (subscribers.TokenRef{Sub: "sub-1"}) || !slices.Equal(ref.Topics, []string{"japan"}) {
		t.Fatalf("VerifyWebToken = %+v, %v", ref, err)
	}
}
