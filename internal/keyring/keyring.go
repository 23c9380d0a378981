// Package keyring holds the HMAC keys that sign reader links and form
// tokens: the current key (HERALD_SECRET), which signs, and the previous
// keys (HERALD_SECRET_PREVIOUS), which are accepted for verification only,
// so that rotating the secret does not break the links already sitting in
// mailboxes. Each key has a short ID, derived from the key itself, that a
// token carries to say which key signed it.
package keyring

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"sync"
)

// idDomain separates the key-ID derivation from every MAC made with a key.
const idDomain = "herald-key-id-v1\n"

// Ring is a current key and the previous ones. The zero Ring (and a nil
// *Ring) has no key: it verifies nothing.
type Ring struct{ keys []key }

type key struct {
	id   string
	macs *sync.Pool // HMAC states keyed with the secret, so a MAC does not key one again
}

func newKey(secret []byte) key {
	return key{id: ID(secret), macs: &sync.Pool{New: func() any { return hmac.New(sha256.New, secret) }}}
}

// mac is the HMAC of domain and payload under k.
func (k key) mac(domain string, payload []byte) []byte {
	m := k.macs.Get().(hash.Hash)
	defer k.macs.Put(m)
	m.Reset()
	m.Write([]byte(domain))
	m.Write(payload)
	return m.Sum(nil)
}

// New returns the ring whose current key is current; previous keys are
// accepted by Verify only. Empty secrets are left out; with no current key
// the ring has no key at all.
func New(current []byte, previous ...[]byte) *Ring {
	r := &Ring{}
	if len(current) == 0 {
		return r
	}
	for _, s := range append([][]byte{current}, previous...) {
		if len(s) > 0 {
			r.keys = append(r.keys, newKey(s))
		}
	}
	return r
}

// ID is the key ID of secret: 6 base64url characters of an HMAC under it.
// It names the key without telling anything about it.
func ID(secret []byte) string {
	return base64.RawURLEncoding.EncodeToString(mac(secret, idDomain, nil)[:4])
}

// ID is the current key's ID, "" when the ring has no key.
func (r *Ring) ID() string {
	if r.Len() == 0 {
		return ""
	}
	return r.keys[0].id
}

// Len is how many keys the ring holds.
func (r *Ring) Len() int {
	if r == nil {
		return 0
	}
	return len(r.keys)
}

// Sum is the HMAC-SHA256 of domain and payload under the current key.
func (r *Ring) Sum(domain string, payload []byte) []byte {
	if r.Len() == 0 {
		return mac(nil, domain, payload)
	}
	return r.keys[0].mac(domain, payload)
}

// Verify reports whether sum is the MAC of domain and payload under the key
// with ID id, or under any key when id is "" (a token from before key IDs,
// or one that carries none, such as a form token).
func (r *Ring) Verify(id, domain string, payload, sum []byte) bool {
	ok := false
	for _, k := range r.all() {
		if id == "" || id == k.id {
			ok = hmac.Equal(sum, k.mac(domain, payload)) || ok
		}
	}
	return ok
}

func (r *Ring) all() []key {
	if r == nil {
		return nil
	}
	return r.keys
}

func mac(secret []byte, domain string, payload []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(domain))
	m.Write(payload)
	return m.Sum(nil)
}
