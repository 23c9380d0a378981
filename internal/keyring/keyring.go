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
	macs *sync.Pool // *macState keyed with the secret, so a MAC does not key one again
}

// macState is an HMAC state with room for its input's domain and its sum,
// reused so that a MAC allocates nothing (every email signs several links).
type macState struct {
	h   hash.Hash
	in  []byte // domain and payload, copied: a caller's payload stays on its stack
	sum []byte
}

func newKey(secret []byte) key {
	return key{id: ID(secret), macs: &sync.Pool{New: func() any {
		return &macState{h: hmac.New(sha256.New, secret), sum: make([]byte, 0, sha256.Size)}
	}}}
}

// appendMAC appends the HMAC of domain and payload under k to dst.
func (k key) appendMAC(dst []byte, domain string, payload []byte) []byte {
	m := k.macs.Get().(*macState)
	defer k.macs.Put(m)
	m.h.Reset()
	m.in = append(append(m.in[:0], domain...), payload...)
	m.h.Write(m.in)
	m.sum = m.h.Sum(m.sum[:0])
	return append(dst, m.sum...)
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
func (r *Ring) Sum(domain string, payload []byte) []byte { return r.AppendSum(nil, domain, payload) }

// AppendSum appends Sum(domain, payload) to dst.
func (r *Ring) AppendSum(dst []byte, domain string, payload []byte) []byte {
	if r.Len() == 0 {
		return append(dst, mac(nil, domain, payload)...)
	}
	return r.keys[0].appendMAC(dst, domain, payload)
}

// Verify reports whether sum is the MAC of domain and payload under the key
// with ID id, or under any key when id is "" (a token from before key IDs,
// or one that carries none, such as a form token).
func (r *Ring) Verify(id, domain string, payload, sum []byte) bool {
	ok := false
	for _, k := range r.all() {
		if id == "" || id == k.id {
			var buf [sha256.Size]byte
			ok = hmac.Equal(sum, k.appendMAC(buf[:0], domain, payload)) || ok
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
	m.Write(append([]byte(domain), payload...))
	return m.Sum(nil)
}
