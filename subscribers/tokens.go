package subscribers

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"herald/internal/keyring"
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

// ActionUnfollow is the action of a link that stops following one topic.
func ActionUnfollow(slug string) string { return "unfollow:" + slug }

// maxTokenLen bounds what VerifyToken will decode.
const maxTokenLen = 1024

// tokenDomain separates these MACs from any other use of the secret.
const tokenDomain = "herald-subscriber-token-v1\n"

// A token names its subscriber by ID and by the subscriber's nonce (see
// Subscriber.Nonce), so that it stops working when the subscriber is
// removed, even if another is later created with the same ID. It also
// names the key that signed it ("k", see package keyring). Tokens signed
// before nonces and key IDs existed carry neither: any key of the ring may
// have signed them, and they name only a subscriber whose record has no
// nonce either (one created before nonces, see Store.Add).
type tokenPayload struct {
	Key     string `json:"k,omitempty"`
	Sub     string `json:"s"`
	Nonce   string `json:"n,omitempty"`
	Action  string `json:"a"`
	Expires int64  `json:"e"` // unix seconds
}

// TokenRef is the subscriber a verified token names: its ID and the nonce
// its record had when the token was signed.
type TokenRef struct {
	Sub, Nonce string
}

// RefOf is what a token for sub names.
func RefOf(sub *Subscriber) TokenRef { return TokenRef{Sub: sub.ID, Nonce: sub.Nonce} }

// Names reports whether the token names sub as it is now: the same ID and
// the same nonce (both empty for a subscriber from before nonces).
func (r TokenRef) Names(sub *Subscriber) bool { return sub.ID == r.Sub && sub.Nonce == r.Nonce }

var b64 = base64.RawURLEncoding.Strict() // one encoding per token: no malleable padding bits

// SignToken returns a URL-safe token under keys' current key that names
// sub and one action until expires: base64url(payload) "."
// base64url(HMAC-SHA256).
func SignToken(keys *keyring.Ring, sub *Subscriber, action string, expires time.Time) string {
	var buf [256]byte // a reader link's token fits: one allocation, the string's
	return string(AppendToken(buf[:0], keys, sub, action, expires))
}

// AppendToken appends SignToken's token to dst: a link built around it
// in a buffer of the caller's costs one allocation, its string.
func AppendToken(dst []byte, keys *keyring.Ring, sub *Subscriber, action string, expires time.Time) []byte {
	var buf [160]byte
	p := tokenPayload{Key: keys.ID(), Sub: sub.ID, Nonce: sub.Nonce, Action: action, Expires: expires.Unix()}
	return appendSeal(dst, keys, tokenDomain, p.appendJSON(buf[:0]))
}

// appendJSON appends json.Marshal(p) to b, written by hand when its
// strings need no escaping (every link of every email signs several).
func (p tokenPayload) appendJSON(b []byte) []byte {
	if !jsonPlain(p.Key) || !jsonPlain(p.Sub) || !jsonPlain(p.Nonce) || !jsonPlain(p.Action) {
		j, _ := json.Marshal(p)
		return append(b, j...)
	}
	b = append(b, '{')
	if p.Key != "" {
		b = append(append(append(b, `"k":"`...), p.Key...), `",`...)
	}
	b = append(append(append(b, `"s":"`...), p.Sub...), `",`...)
	if p.Nonce != "" {
		b = append(append(append(b, `"n":"`...), p.Nonce...), `",`...)
	}
	b = append(append(append(b, `"a":"`...), p.Action...), `","e":`...)
	return append(strconv.AppendInt(b, p.Expires, 10), '}')
}

// jsonPlain reports a string encoding/json writes as it is, quoted.
func jsonPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// VerifyToken checks token's signature under the key it names (any key of
// the ring for a token that names none), that it was made for action, and
// that it has not expired at now; it returns the subscriber it names, to be
// checked against the current record (TokenRef.Names, Store.GetByToken). It
// fails with ErrTokenInvalid (also for an empty ring or an unknown key) or
// ErrTokenExpired.
func VerifyToken(keys *keyring.Ring, token, action string, now time.Time) (TokenRef, error) {
	var p tokenPayload
	if len(token) > maxTokenLen {
		return TokenRef{}, ErrTokenInvalid
	}
	if err := open(keys, tokenDomain, token, &p); err != nil {
		return TokenRef{}, err
	}
	if p.Action != action || p.Sub == "" {
		return TokenRef{}, ErrTokenInvalid
	}
	if !now.Before(time.Unix(p.Expires, 0)) {
		return TokenRef{}, ErrTokenExpired
	}
	return TokenRef{Sub: p.Sub, Nonce: p.Nonce}, nil
}

// GetByToken returns the subscriber ref names. It fails with ErrNotFound
// when that subscriber is gone, including when its ID now belongs to a
// subscriber created after the token was signed.
func (st *Store) GetByToken(ctx context.Context, ref TokenRef) (*Subscriber, error) {
	sub, err := st.Get(ctx, ref.Sub)
	if err != nil {
		return nil, err
	}
	if !ref.Names(sub) {
		return nil, fmt.Errorf("subscribers: get %q: re-created since the token was signed: %w", ref.Sub, ErrNotFound)
	}
	return sub, nil
}

// seal is payload and its MAC in domain under keys' current key.
func seal(keys *keyring.Ring, domain string, payload []byte) string {
	var buf [256]byte // a reader link's token fits: one allocation, the string's
	return string(appendSeal(buf[:0], keys, domain, payload))
}

// appendSeal appends seal's token to dst.
func appendSeal(dst []byte, keys *keyring.Ring, domain string, payload []byte) []byte {
	var sumBuf [sha256.Size]byte
	sum := keys.AppendSum(sumBuf[:0], domain, payload)
	n, m := b64.EncodedLen(len(payload)), b64.EncodedLen(len(sum))
	at := len(dst)
	dst = slices.Grow(dst, n+1+m)[:at+n+1+m]
	b64.Encode(dst[at:], payload)
	dst[at+n] = '.'
	b64.Encode(dst[at+n+1:], sum)
	return dst
}

// open checks token (payload "." MAC, both base64url) in domain under the
// key its payload names and decodes the payload into v.
func open(keys *keyring.Ring, domain, token string, v any) error {
	enc, encMAC, ok := strings.Cut(token, ".")
	if !ok || keys.Len() == 0 {
		return ErrTokenInvalid
	}
	payload, err1 := b64.DecodeString(enc)
	mac, err2 := b64.DecodeString(encMAC)
	var head struct {
		Key string `json:"k"`
	}
	if err1 != nil || err2 != nil || json.Unmarshal(payload, &head) != nil ||
		!keys.Verify(head.Key, domain, payload, mac) || json.Unmarshal(payload, v) != nil {
		return ErrTokenInvalid
	}
	return nil
}
