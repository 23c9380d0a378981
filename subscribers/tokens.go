package subscribers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Token errors. VerifyToken wraps one of them.
var (
	ErrTokenInvalid = errors.New("subscribers: token invalid")
	ErrTokenExpired = errors.New("subscribers: token expired")
)

// Token actions used by the public pages.
const (
	ActionUnsubscribe = "unsubscribe"
	ActionConfirm     = "confirm"
	ActionPreferences = "preferences"
)

// maxTokenLen bounds what VerifyToken will decode.
const maxTokenLen = 1024

// tokenDomain separates these MACs from any other use of the secret.
const tokenDomain = "herald-subscriber-token-v1\n"

type tokenPayload struct {
	Sub     string `json:"s"`
	Action  string `json:"a"`
	Expires int64  `json:"e"` // unix seconds
}

var b64 = base64.RawURLEncoding.Strict() // one encoding per token: no malleable padding bits

// SignToken returns a URL-safe token that names one subscriber and one
// action until expires: base64url(payload) "." base64url(HMAC-SHA256).
func SignToken(secret []byte, subID, action string, expires time.Time) string {
	payload, _ := json.Marshal(tokenPayload{Sub: subID, Action: action, Expires: expires.Unix()})
	return b64.EncodeToString(payload) + "." + b64.EncodeToString(tokenMAC(secret, payload))
}

// VerifyToken checks token's signature, that it was made for action, and
// that it has not expired at now; it returns the subscriber ID it names.
// It fails with ErrTokenInvalid (also for an empty secret) or
// ErrTokenExpired.
func VerifyToken(secret []byte, token, action string, now time.Time) (subID string, err error) {
	p, err := openToken(secret, token)
	if err != nil {
		return "", err
	}
	if p.Action != action || p.Sub == "" {
		return "", ErrTokenInvalid
	}
	if !now.Before(time.Unix(p.Expires, 0)) {
		return "", ErrTokenExpired
	}
	return p.Sub, nil
}

func openToken(secret []byte, token string) (tokenPayload, error) {
	var p tokenPayload
	if len(secret) == 0 || len(token) > maxTokenLen {
		return p, ErrTokenInvalid
	}
	payload, err := openMAC(secret, tokenDomain, token)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return p, ErrTokenInvalid
	}
	return p, nil
}

func tokenMAC(secret, payload []byte) []byte { return macWith(secret, tokenDomain, payload) }

// macWith is the HMAC-SHA256 of payload under secret in domain.
func macWith(secret []byte, domain string, payload []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(domain))
	m.Write(payload)
	return m.Sum(nil)
}

// openMAC checks token (payload "." MAC, both base64url) in domain and
// returns its payload.
func openMAC(secret []byte, domain, token string) ([]byte, error) {
	enc, encMAC, ok := strings.Cut(token, ".")
	if !ok {
		return nil, ErrTokenInvalid
	}
	payload, err1 := b64.DecodeString(enc)
	mac, err2 := b64.DecodeString(encMAC)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, macWith(secret, domain, payload)) {
		return nil, ErrTokenInvalid
	}
	return payload, nil
}
