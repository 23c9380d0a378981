package operators

import "strings"

// The store's keys, under its prefix <p>:
//
//	<p>operator:{<email>}          HASH  hash (bcrypt), gen (random, new with
//	                               each password), created_at (unix ms)
//	<p>operator:session:<sha256>   STRING "<email>\n<gen>"; expires with the
//	                               session. The name holds a hash of the
//	                               cookie's token, never the token itself.
//
// Every command touches one key, so each is its own slot on a cluster.
type keys struct{ prefix string }

func (k keys) operator(email string) string {
	return k.prefix + "operator:{" + strings.ToLower(email) + "}"
}

func (k keys) session(tokenHash string) string {
	return k.prefix + "operator:session:" + tokenHash
}
