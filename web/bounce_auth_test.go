package web

import (
	"encoding/hex"
	"strconv"
	"testing"
	"time"

	"herald/internal/redistest"
)

const (
	testBounceToken = "bounce-token-0123456789abcdef"
	bounceBody      = `{"events":[{"type":"bounce","email":"gone@example.com","hard":true}]}`
)

var testBounceSecret = []byte("bounce-secret-0123456789abcdef0123456789")

func withBounceAuth(d *Deps) { d.BounceToken, d.BounceSecret = testBounceToken, testBounceSecret }

// The bounce token opens POST /v1/bounces and nothing else; the admin
// token still opens it.
func TestBounceTokenOpensOnlyBounces(t *testing.T) {
	f := newFixture(t, withBounceAuth)
	auth := "Authorization: Bearer " + testBounceToken
	if r := f.do("POST", "/v1/bounces", bounceBody, auth); r.Status != 200 {
		t.Fatalf("bounce token on POST /v1/bounces: %d %s", r.Status, r.Body)
	}
	for _, route := range [][2]string{{"GET", "/v1/subscribers"}, {"DELETE", "/v1/subscribers/x"}, {"GET", "/v1/bounces"}, {"POST", "/v1/dispatch"}} {
		wantError(t, f.do(route[0], route[1], "", auth), 401, CodeUnauthorized, "")
	}
	if r := f.api("POST", "/v1/bounces", bounceBody); r.Status != 200 {
		t.Fatalf("admin token on POST /v1/bounces: %d %s", r.Status, r.Body)
	}
	wantError(t, f.do("POST", "/v1/bounces", bounceBody, "Authorization: Bearer wrong-token-0123456789abcdef"), 401, CodeUnauthorized, "")
}

// A signed report is accepted once: its replay, a stale or future
// timestamp, a wrong signature and the signature on another route are
// refused.
func TestBounceSignature(t *testing.T) {
	f := newFixture(t, withBounceAuth)
	now := f.clock.Now()
	signed := func(at time.Time, body string) []string {
		ts := strconv.FormatInt(at.Unix(), 10)
		return []string{BounceTimestampHeader + ": " + ts,
			BounceSignatureHeader + ": sha256=" + hex.EncodeToString(SignBounce(testBounceSecret, ts, []byte(body)))}
	}
	good := signed(now.Add(-time.Minute), bounceBody)
	if r := f.do("POST", "/v1/bounces", bounceBody, good...); r.Status != 200 {
		t.Fatalf("signed report: %d %s", r.Status, r.Body)
	}
	keys := redistest.Keys(t, f.rdb, f.prefix+"bounce:sig:*")
	if len(keys) != 1 {
		t.Errorf("replay keys %v, want the one signature", keys)
	}
	for _, k := range keys {
		if ttl := f.rdb.PTTL(t.Context(), k).Val(); ttl <= 0 {
			t.Errorf("replay key %s has no expiry (%v)", k, ttl)
		}
	}
	cases := map[string]struct {
		hdr  []string
		body string
	}{
		"replay":          {good, bounceBody},
		"stale timestamp": {signed(now.Add(-6*time.Minute), bounceBody), bounceBody},
		"future":          {signed(now.Add(6*time.Minute), bounceBody), bounceBody},
		"other body":      {signed(now, bounceBody), `{"events":[{"type":"complaint","email":"x@example.com"}]}`},
		"no timestamp":    {signed(now, bounceBody)[1:], bounceBody},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			wantError(t, f.do("POST", "/v1/bounces", c.body, c.hdr...), 401, CodeUnauthorized, "")
		})
	}
	wantError(t, f.do("GET", "/v1/subscribers", "", signed(now, "")...), 401, CodeUnauthorized, "")
}
