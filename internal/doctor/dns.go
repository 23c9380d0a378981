package doctor

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"strings"

	"github.com/emersion/go-msgauth/dmarc"

	"herald/channels/email"
)

const keygen = "openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out dkim.pem"

// DKIM checks that the record at selector._domainkey.domain holds the
// public half of d's key, and that d's domain is aligned with the From
// domain (so DMARC counts the signature). d nil (no key file) is a WARN.
func DKIM(ctx context.Context, r Resolver, d *email.DKIM, fromDomain string) []Result {
	if d == nil {
		return []Result{warn("dkim", "HERALD_DKIM_KEY_FILE is not set: messages go out unsigned unless the relay signs them",
			"make a key ("+keygen+"), set HERALD_DKIM_KEY_FILE=dkim.pem and run herald doctor again for the record to publish")}
	}
	out := []Result{dkimKey(ctx, r, d)}
	if !aligned(d.Domain(), fromDomain) {
		out = append(out, warn("dkim", fmt.Sprintf("d=%s is not aligned with the From domain %s: DMARC does not count the signature", d.Domain(), fromDomain),
			"leave HERALD_DKIM_DOMAIN empty (the From domain) or set it to "+fromDomain+" or a parent of it"))
	}
	return out
}

func dkimKey(ctx context.Context, r Resolver, d *email.DKIM) Result {
	name, publish := d.RecordName(), "publish "+d.ZoneLine()
	txts, found, err := lookupTXT(ctx, r, name)
	switch {
	case err != nil && !found:
		return fail("dkim", fmt.Sprintf("DNS lookup of %s: %v", name, err), hintDNS)
	case !found:
		return fail("dkim", "no TXT record at "+name, publish)
	case len(txts) > 1:
		return fail("dkim", fmt.Sprintf("%d TXT records at %s: verifiers take none (RFC 6376 3.6.2.2)", len(txts), name), "keep one: "+d.ZoneLine())
	}
	if why := sameKey(txts[0], d.Public()); why != "" {
		return fail("dkim", name+": "+why, publish+" (or set HERALD_DKIM_SELECTOR to this key's selector)")
	}
	k, _ := email.PublicKeyData(d.Public())
	return pass("dkim", fmt.Sprintf("%s holds the public key of HERALD_DKIM_KEY_FILE (k=%s, d=%s)", name, k, d.Domain()))
}

// sameKey says why record does not publish pub, "" when it does.
func sameKey(record string, pub crypto.PublicKey) string {
	tags := tagList(record)
	if v, ok := tags["v"]; ok && v != "DKIM1" {
		return fmt.Sprintf("v=%s, want DKIM1", v)
	}
	p, ok := tags["p"]
	if !ok || p == "" {
		return "the record has no key (p= empty: the key is revoked)"
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(p), ""))
	if err != nil {
		return "p= is not base64: " + err.Error()
	}
	k, want := email.PublicKeyData(pub)
	if got := tags["k"]; got != k && !(got == "" && k == "rsa") {
		return fmt.Sprintf("k=%s, but the private key is %s", got, k)
	}
	if k == "rsa" {
		return sameRSA(raw, pub)
	}
	if string(raw) != string(want) {
		return "another key than the one in HERALD_DKIM_KEY_FILE"
	}
	return ""
}

// sameRSA compares an RSA key in SubjectPublicKeyInfo or PKCS#1 form.
func sameRSA(der []byte, pub crypto.PublicKey) string {
	got, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		if got, err = x509.ParsePKCS1PublicKey(der); err != nil {
			return "p= is not an RSA public key: " + err.Error()
		}
	}
	if eq, ok := got.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(pub) {
		return "another key than the one in HERALD_DKIM_KEY_FILE"
	}
	return ""
}

// tagList parses "v=DKIM1; k=rsa; p=…".
func tagList(s string) map[string]string {
	tags := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		if k, v, ok := strings.Cut(part, "="); ok {
			tags[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return tags
}

// aligned is DMARC's relaxed alignment, approximately: one domain is the
// other or a parent of it.
func aligned(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	return a == b || strings.HasSuffix(a, "."+b) || strings.HasSuffix(b, "."+a)
}

// SPF checks there is one SPF record (TXT v=spf1) on domain and that it
// does not let any server send as it.
func SPF(ctx context.Context, r Resolver, domain string) Result {
	hint := fmt.Sprintf(`publish %s TXT "v=spf1 include:<your relay's SPF domain> ~all" (the relay's documentation names it)`, domain)
	txts, _, err := lookupTXT(ctx, r, domain)
	if err != nil {
		return fail("spf", fmt.Sprintf("DNS lookup of %s: %v", domain, err), hintDNS)
	}
	var spf []string
	for _, t := range txts {
		if l := strings.ToLower(t); l == "v=spf1" || strings.HasPrefix(l, "v=spf1 ") {
			spf = append(spf, t)
		}
	}
	switch {
	case len(spf) == 0:
		return fail("spf", "no SPF record (TXT v=spf1) on "+domain, hint)
	case len(spf) > 1:
		return fail("spf", fmt.Sprintf("%d SPF records on %s: receivers treat that as an error (RFC 7208 4.5)", len(spf), domain), "merge them into one record")
	case strings.Contains(" "+strings.ToLower(spf[0])+" ", " +all ") || strings.HasSuffix(strings.ToLower(spf[0]), " all"):
		return warn("spf", domain+": "+spf[0]+": any server may send as "+domain, "end the record with ~all or -all")
	}
	return pass("spf", domain+": "+spf[0])
}

// DMARC checks the DMARC policy at _dmarc.domain.
func DMARC(ctx context.Context, r Resolver, domain string) Result {
	name := "_dmarc." + domain
	rec, err := dmarc.LookupWithOptions(domain, &dmarc.LookupOptions{LookupTXT: func(n string) ([]string, error) {
		txts, found, err := lookupTXT(ctx, r, n)
		if err == nil && !found {
			return nil, &net.DNSError{Err: "no such host", Name: n, IsNotFound: true}
		}
		return txts, err
	}})
	switch {
	case err == dmarc.ErrNoPolicy:
		return fail("dmarc", "no DMARC record (TXT v=DMARC1) at "+name,
			fmt.Sprintf(`publish %s TXT "v=DMARC1; p=none; rua=mailto:dmarc@%s" (Gmail and Yahoo require one of bulk senders)`, name, domain))
	case err != nil:
		return fail("dmarc", fmt.Sprintf("%s: %v", name, err), "fix the record: v=DMARC1; p=none|quarantine|reject; …")
	case rec.Policy == dmarc.PolicyNone:
		return pass("dmarc", name+": p=none (reports only; mail that fails is still delivered)")
	}
	return pass("dmarc", fmt.Sprintf("%s: p=%s", name, rec.Policy))
}
