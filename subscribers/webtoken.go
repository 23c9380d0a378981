package subscribers

import (
	"encoding/json"
	"time"

	"herald/internal/keyring"
)

// A web version token names one sent message by what it was made of, not
// by a copy: the subscriber (ID and nonce, as in the other tokens), the
// window and the topics followed at send time (and the cap), so the page
// can gather the same digest again from the story index while the stories
// are retained.

// webTokenDomain separates these MACs from the other tokens'.
const webTokenDomain = "herald-web-version-v1\n"

// maxWebTokenLen bounds what VerifyWebToken decodes: room for the topics
// of a subscriber following the most a subscriber may.
const maxWebTokenLen = 8 << 10

// WebRef is what a web version token carries.
type WebRef struct {
	Sub string `json:"s"`
	// Nonce is the subscriber's nonce at send time (see TokenRef).
	Nonce  string    `json:"n,omitempty"`
	Start  time.Time `json:"a"`
	End    time.Time `json:"b"`
	Topics []string  `json:"t"`
	Max    int       `json:"m,omitempty"` // the message's cap; 0: the default
	// Expires is when the link stops working (unix seconds in the token).
	Expires int64 `json:"e"`
}

// TokenRef is the subscriber ref names.
func (ref WebRef) TokenRef() TokenRef { return TokenRef{Sub: ref.Sub, Nonce: ref.Nonce} }

// webPayload is a WebRef and the ID of the key that signed it.
type webPayload struct {
	Key string `json:"k,omitempty"`
	WebRef
}

// SignWebToken returns the URL-safe token of ref under keys' current key,
// valid until expires.
func SignWebToken(keys *keyring.Ring, ref WebRef, expires time.Time) string {
	ref.Expires = expires.Unix()
	ref.Start, ref.End = ref.Start.UTC(), ref.End.UTC()
	payload, _ := json.Marshal(webPayload{Key: keys.ID(), WebRef: ref})
	return seal(keys, webTokenDomain, payload)
}

// VerifyWebToken checks token's signature (as VerifyToken does) and expiry
// at now and returns what it names. It fails with ErrTokenInvalid or
// ErrTokenExpired.
func VerifyWebToken(keys *keyring.Ring, token string, now time.Time) (WebRef, error) {
	var p webPayload
	if len(token) > maxWebTokenLen {
		return WebRef{}, ErrTokenInvalid
	}
	if err := open(keys, webTokenDomain, token, &p); err != nil {
		return WebRef{}, err
	}
	ref := p.WebRef
	if ref.Sub == "" || !ref.End.After(ref.Start) {
		return WebRef{}, ErrTokenInvalid
	}
	if !now.Before(time.Unix(ref.Expires, 0)) {
		return WebRef{}, ErrTokenExpired
	}
	return ref, nil
}
