package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// csrfLifetime is how long a page's form stays valid.
const csrfLifetime = 12 * time.Hour

// csrfDomain separates these MACs from the link tokens made with the same
// secret.
const csrfDomain = "herald-csrf-v1\n"

var errCSRF = errors.New("web: csrf token missing, wrong or expired")

// csrfToken returns "<expiry>.<mac>": an HMAC of (subject, action "csrf",
// expiry) under secret. subject names the form and whom it is for, e.g.
// "preferences:<subscriber id>", so a token from one subscriber's page is
// refused on another's.
func csrfToken(secret []byte, subject string, now time.Time) string {
	exp := strconv.FormatInt(now.Add(csrfLifetime).Unix(), 10)
	return exp + "." + base64.RawURLEncoding.EncodeToString(csrfMAC(secret, subject, exp))
}

// checkCSRF verifies a token from csrfToken for subject at now.
func checkCSRF(secret []byte, subject, token string, now time.Time) error {
	exp, mac, ok := strings.Cut(token, ".")
	if !ok || len(secret) == 0 || len(token) > 128 {
		return errCSRF
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil || !hmac.Equal(got, csrfMAC(secret, subject, exp)) {
		return errCSRF
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !now.Before(time.Unix(unix, 0)) {
		return errCSRF
	}
	return nil
}

func csrfMAC(secret []byte, subject, exp string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(csrfDomain + subject + "\ncsrf\n" + exp))
	return m.Sum(nil)
}
