package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The bounce webhook's own credential. An MTA or a provider that reports
// bounces gets a credential that opens POST /v1/bounces and nothing else:
//
//   - a bearer token, Deps.BounceToken (HERALD_BOUNCE_TOKEN), and/or
//   - an HMAC-SHA256 signature with Deps.BounceSecret (HERALD_BOUNCE_SECRET)
//     over "<timestamp>.<body>", sent as
//     X-Herald-Timestamp: <unix seconds> and
//     X-Herald-Signature: sha256=<hex>. A timestamp more than BounceSkew
//     from now is refused, and so is a signature seen before (kept in Redis
//     with SET NX PX for bounceReplayTTL).
//
// The admin token keeps working on /v1/bounces.
const (
	BounceTimestampHeader = "X-Herald-Timestamp"
	BounceSignatureHeader = "X-Herald-Signature"
	// BounceSkew is how far a signed request's timestamp may be from now.
	BounceSkew = 5 * time.Minute
	// bounceReplayTTL is how long a used signature is remembered: past the
	// whole window its timestamp is accepted in (a timestamp BounceSkew
	// ahead is still acceptable BounceSkew after it), with a margin.
	bounceReplayTTL = 2*BounceSkew + time.Minute
)

// bounceRoute sends POST /v1/bounces that carries the bounce credential to
// the bounce handler; everything else goes to admin (the bearer token).
func (s *Server) bounceRoute(admin http.Handler) http.Handler {
	bounces := s.handle(s.postBounces)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/bounces" || s.isAdmin(r) || !s.bounceAuthOn() {
			admin.ServeHTTP(w, r)
			return
		}
		if err := s.checkBounceAuth(w, r); err != nil {
			s.refuse(w, r, err.Error())
			return
		}
		bounces(w, r)
	})
}

func (s *Server) bounceAuthOn() bool { return s.d.BounceToken != "" || len(s.d.BounceSecret) > 0 }

// isAdmin says whether r carries the admin token.
func (s *Server) isAdmin(r *http.Request) bool {
	got, ok := bearer(r)
	return ok && s.d.APIToken != "" && sameSecret(got, s.d.APIToken)
}

// sameSecret compares in constant time, in the length too.
func sameSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// checkBounceAuth accepts the bounce token or a fresh, unseen signature. A
// signed request's body is read (bounded) and put back for the handler.
func (s *Server) checkBounceAuth(w http.ResponseWriter, r *http.Request) error {
	if got, ok := bearer(r); ok && s.d.BounceToken != "" && sameSecret(got, s.d.BounceToken) {
		return nil
	}
	if len(s.d.BounceSecret) == 0 || r.Header.Get(BounceSignatureHeader) == "" {
		return errors.New("missing or wrong bounce credential (Authorization: Bearer $HERALD_BOUNCE_TOKEN, or " +
			BounceSignatureHeader + " with " + BounceTimestampHeader + ")")
	}
	return s.checkSignature(w, r)
}

func (s *Server) checkSignature(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.freshTimestamp(r.Header.Get(BounceTimestampHeader))
	if err != nil {
		return err
	}
	body, err := readBody(w, r, s.d.MaxBodyBytes)
	if err != nil {
		return errors.New("could not read the signed body")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sig, ok := strings.CutPrefix(r.Header.Get(BounceSignatureHeader), "sha256=")
	got, herr := hex.DecodeString(sig)
	if !ok || herr != nil || !hmac.Equal(got, SignBounce(s.d.BounceSecret, ts, body)) {
		return errors.New("wrong " + BounceSignatureHeader + ": want sha256=<hex HMAC-SHA256 of \"<timestamp>.<body>\">")
	}
	return s.rememberSignature(r.Context(), got)
}

// freshTimestamp parses the unix-seconds header and refuses one outside
// BounceSkew of now.
func (s *Server) freshTimestamp(v string) (string, error) {
	secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return "", errors.New(BounceTimestampHeader + " must be the unix time in seconds")
	}
	if d := s.d.Now().Sub(time.Unix(secs, 0)); d > BounceSkew || d < -BounceSkew {
		return "", errors.New(BounceTimestampHeader + " is more than 5 minutes from now: refused (replayed or clock off)")
	}
	return strconv.FormatInt(secs, 10), nil
}

// rememberSignature refuses a signature already used: it is kept for
// longer than its timestamp stays acceptable.
func (s *Server) rememberSignature(ctx context.Context, sig []byte) error {
	fresh, err := s.d.RDB.SetNX(ctx, s.bounceSigKey(sig), 1, bounceReplayTTL).Result()
	switch {
	case err != nil:
		return errors.New("cannot check the signature for replay: Redis unavailable")
	case !fresh:
		return errors.New("this signature was used before: replay refused")
	}
	return nil
}

// SignBounce is the signature of a bounce report: HMAC-SHA256 with secret
// over "<timestamp>.<body>".
func SignBounce(secret []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// refuse answers 401 without reading (more of) the body and closes.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="herald"`)
	w.Header().Set("Connection", "close")
	s.writeError(w, r, errorf(http.StatusUnauthorized, CodeUnauthorized, "", msg))
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	_ = rc.SetReadDeadline(time.Now())
}
