package subscribers

import (
	"encoding/json"
	"time"
)

// A web version token names one sent message by what it was made of, not
// by a copy: the subscriber, the window and the topics followed at send
// time (and the cap), so the page can gather the same digest again from
// the story index while the stories are retained.

// webTokenDomain separates these MACs from the other tokens'.
const webTokenDomain = "herald-web-version-v1\n"

// maxWebTokenLen bounds what VerifyWebToken decodes: room for the topics
// of a subscriber following the most a subscriber may.
const maxWebTokenLen = 8 << 10

// WebRef is what a web version token carries.
type WebRef struct {
	Sub    string    `json:"s"`
	Start  time.Time `json:"a"`
	End    time.Time `json:"b"`
	Topics []string  `json:"t"`
	Max    int       `json:"m,omitempty"` // the message's cap; 0: the default
	// Expires is when the link stops working (unix seconds in the token).
	Expires int64 `json:"e"`
}

// SignWebToken returns the URL-safe token of ref, valid until expires.
func SignWebToken(secret []byte, ref WebRef, expires time.Time) string {
	ref.Expires = expires.Unix()
	ref.Start, ref.End = ref.Start.UTC(), ref.End.UTC()
	payload, _ := json.Marshal(ref)
	return b64.EncodeToString(payload) + "." + b64.EncodeToString(macWith(secret, webTokenDomain, payload))
}

// VerifyWebToken checks token's signature and expiry at now and returns
// what it names. It fails with ErrTokenInvalid or ErrTokenExpired.
func VerifyWebToken(secret []byte, token string, now time.Time) (WebRef, error) {
	var ref WebRef
	if len(secret) == 0 || len(token) > maxWebTokenLen {
		return ref, ErrTokenInvalid
	}
	payload, err := openMAC(secret, webTokenDomain, token)
	if err != nil {
		return ref, err
	}
	if json.Unmarshal(payload, &ref) != nil || ref.Sub == "" || !ref.End.After(ref.Start) {
		return ref, ErrTokenInvalid
	}
	if !now.Before(time.Unix(ref.Expires, 0)) {
		return ref, ErrTokenExpired
	}
	return ref, nil
}
