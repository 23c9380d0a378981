package web

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"herald/internal/keyring"
)

// csrfLifetime is how long a page's form stays valid.
const csrfLifetime = 12 * time.Hour

// csrfDomain separates these MACs from the link tokens made with the same
// secret.
const csrfDomain = "herald-csrf-v1\n"

var errCSRF = errors.New("web: csrf token missing, wrong or expired")

// csrfToken returns "<expiry>.<mac>": an HMAC of (subject, action "csrf",
// expiry) under secret (the current key). subject names the form and whom
// it is for, e.g. "preferences:<subscriber id>", so a token from one
// subscriber's page is refused on another's.
func csrfToken(secret []byte, subject string, now time.Time) string {
	exp := strconv.FormatInt(now.Add(csrfLifetime).Unix(), 10)
	sum := keyring.New(secret).Sum(csrfDomain, csrfPayload(subject, exp))
	return exp + "." + base64.RawURLEncoding.EncodeToString(sum)
}

// checkCSRF verifies a token from csrfToken for subject at now under any
// key of keys: a form served just before a key rotation still posts. The
// token carries no key ID; a ring holds a handful of keys at most.
func checkCSRF(keys *keyring.Ring, subject, token string, now time.Time) error {
	exp, mac, ok := strings.Cut(token, ".")
	if !ok || len(token) > 128 {
		return errCSRF
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil || !keys.Verify("", csrfDomain, csrfPayload(subject, exp), got) {
		return errCSRF
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !now.Before(time.Unix(unix, 0)) {
		return errCSRF
	}
	return nil
}

func csrfPayload(subject, exp string) []byte { return []byte(subject + "\ncsrf\n" + exp) }
