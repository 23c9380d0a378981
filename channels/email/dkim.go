package email

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// DKIM signing (RFC 6376). Config.DKIM, when set, signs every message once,
// on the bytes AppendMessage built, before they are dot-stuffed for DATA:
// the DKIM-Signature header field goes first and the rest is unchanged.
// Both header and body are canonicalized relaxed/relaxed; the algorithm is
// rsa-sha256 or ed25519-sha256 (RFC 8463) by the key. The signature's t=
// is the signing time, so two sends of one message differ in that header
// field only.

// SignedHeaders are the header fields every signature covers. One that a
// message lacks (List-Unsubscribe-Post without an https link) is signed
// as absent, so nobody can add it on the way.
var SignedHeaders = []string{"From", "To", "Subject", "Date", "Message-ID",
	"List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version", "Content-Type"}

// DKIM signs messages with one key for one domain and selector. It is safe
// for concurrent use.
type DKIM struct {
	opts dkim.SignOptions
}

// NewDKIM returns a signer. key is an *rsa.PrivateKey of at least 1024
// bits (2048 advised) or an ed25519.PrivateKey.
func NewDKIM(key crypto.Signer, domain, selector string) (*DKIM, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := checkLabel("domain", domain); err != nil {
		return nil, err
	}
	if err := checkLabel("selector", selector); err != nil {
		return nil, err
	}
	return &DKIM{opts: dkim.SignOptions{Domain: domain, Selector: selector, Signer: key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
		HeaderKeys: SignedHeaders}}, nil
}

func checkKey(key crypto.Signer) error {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 1024 {
			return fmt.Errorf("dkim: RSA key of %d bits: verifiers refuse less than 1024 (use 2048)", k.N.BitLen())
		}
	case ed25519.PrivateKey:
	default:
		return fmt.Errorf("dkim: key type %T: want RSA or Ed25519", key)
	}
	return nil
}

// checkLabel accepts a DNS name: letters, digits, '-', '_' and dots.
func checkLabel(what, name string) error {
	if name == "" || len(name) > 253 || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") ||
		strings.Contains(name, "..") || strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) {
		return fmt.Errorf("dkim: %s %q: want a DNS name (letters, digits, '-', '_', dots)", what, name)
	}
	return nil
}

// ParseKey reads a PEM private key: RSA in PKCS#1 ("RSA PRIVATE KEY") or
// PKCS#8 ("PRIVATE KEY"), or Ed25519 in PKCS#8.
func ParseKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("dkim: no PEM block found (want -----BEGIN PRIVATE KEY-----)")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("dkim: RSA PRIVATE KEY: %w", err)
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("dkim: PRIVATE KEY: %w", err)
		}
		if s, ok := k.(crypto.Signer); ok && checkKey(s) == nil {
			return s, nil
		}
		return nil, fmt.Errorf("dkim: PRIVATE KEY holds a %T: want RSA or Ed25519", k)
	}
	return nil, fmt.Errorf("dkim: PEM block %q: want PRIVATE KEY or RSA PRIVATE KEY", block.Type)
}

// Domain is the signing domain (d=).
func (d *DKIM) Domain() string { return d.opts.Domain }

// Selector is the key's selector (s=).
func (d *DKIM) Selector() string { return d.opts.Selector }

// Public is the public half of the key.
func (d *DKIM) Public() crypto.PublicKey { return d.opts.Signer.Public() }

// Sign returns the DKIM-Signature header field for msg (a whole RFC 5322
// message), folded and ending in CRLF, to put before it.
func (d *DKIM) Sign(msg []byte) (string, error) {
	s, err := dkim.NewSigner(&d.opts)
	if err != nil {
		return "", fmt.Errorf("dkim: %w", err)
	}
	if _, err := s.Write(msg); err != nil {
		_ = s.Close()
		return "", fmt.Errorf("dkim: sign: %w", err)
	}
	if err := s.Close(); err != nil {
		return "", fmt.Errorf("dkim: sign: %w", err)
	}
	return s.Signature(), nil
}

// AppendSigned appends msg to dst with its DKIM-Signature header field
// first.
func (d *DKIM) AppendSigned(dst, msg []byte) ([]byte, error) {
	sig, err := d.Sign(msg)
	if err != nil {
		return dst, err
	}
	return append(append(dst, sig...), msg...), nil
}

// RecordName is where the public key is published:
// selector._domainkey.domain.
func (d *DKIM) RecordName() string { return d.opts.Selector + "._domainkey." + d.opts.Domain }

// Record is the TXT record's text the key needs: "v=DKIM1; k=rsa; p=…"
// (p the SubjectPublicKeyInfo) or "v=DKIM1; k=ed25519; p=…" (the raw 32
// bytes, RFC 8463).
func (d *DKIM) Record() string {
	k, p := PublicKeyData(d.Public())
	return "v=DKIM1; k=" + k + "; p=" + base64.StdEncoding.EncodeToString(p)
}

// ZoneLine is the record as a zone-file line, its text cut into quoted
// strings of at most 255 bytes as DNS requires (a 2048-bit RSA key needs
// two): selector._domainkey.domain TXT "v=DKIM1; k=rsa; p=…" "…".
func (d *DKIM) ZoneLine() string {
	rec := d.Record()
	var parts []string
	for len(rec) > 255 {
		parts = append(parts, `"`+rec[:255]+`"`)
		rec = rec[255:]
	}
	parts = append(parts, `"`+rec+`"`)
	return d.RecordName() + " TXT " + strings.Join(parts, " ")
}

// PublicKeyData is a public key's k= name and the bytes p= carries.
func PublicKeyData(pub crypto.PublicKey) (k string, p []byte) {
	if ed, ok := pub.(ed25519.PublicKey); ok {
		return "ed25519", ed
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", nil
	}
	return "rsa", der
}
