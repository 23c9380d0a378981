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

// operatorPattern matches every operator's key (not the sessions'), the
// prefix's glob characters escaped.
func (k keys) operatorPattern() string {
	return globEscaper.Replace(k.prefix) + "operator:{*}"
}

// emailOf is the email an operator key names.
func (k keys) emailOf(key string) string {
	return strings.TrimSuffix(strings.TrimPrefix(key, k.prefix+"operator:{"), "}")
}

var globEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`)

func (k keys) session(tokenHash string) string {
	return k.prefix + "operator:session:" + tokenHash
}
