package email_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"herald/channels/email"
	"herald/internal/dnstest"
	"herald/internal/mailpittest"
	"herald/internal/smtptest"
)

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// testKeys are one RSA 2048 and one Ed25519 key, by algorithm name.
func testKeys(t testing.TB) map[string]crypto.Signer {
	t.Helper()
	rsaOnce.Do(func() { rsaKey, _ = rsa.GenerateKey(rand.Reader, 2048) })
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.Signer{"rsa": rsaKey, "ed25519": ed}
}

// signer is a DKIM signer for key whose record dns serves.
func signer(t testing.TB, key crypto.Signer, dns *dnstest.Server) *email.DKIM {
	t.Helper()
	d, err := email.NewDKIM(key, testHost, "herald")
	if err != nil {
		t.Fatal(err)
	}
	if dns != nil {
		dns.SetTXT(d.RecordName(), d.Record())
	}
	return d
}

// verify checks data's one signature with go-msgauth, its key from dns.
func verify(t *testing.T, data []byte, dns *dnstest.Server) *dkim.Verification {
	t.Helper()
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(data), &dkim.VerifyOptions{LookupTXT: dns.LookupTXT})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if len(vs) != 1 {
		t.Fatalf("%d signatures, want 1", len(vs))
	}
	if vs[0].Err != nil {
		t.Fatalf("signature does not verify: %v\n%.2000s", vs[0].Err, data)
	}
	return vs[0]
}

// A message sent over SMTP carries one signature that an independent
// verifier accepts with the key served by DNS, over the header fields a
// mailbox provider looks at, relaxed/relaxed; a changed byte breaks it.
func TestSendSignsDKIM(t *testing.T) {
	for alg, key := range testKeys(t) {
		t.Run(alg, func(t *testing.T) {
			srv, dns := smtptest.Start(t), dnstest.Start(t)
			cfg := baseConfig(srv, &recorder{})
			cfg.DKIM = signer(t, key, dns)
			s := newSender(t, cfg, nil)
			if err := s.Send(context.Background(), testMessage("dkim-"+alg)); err != nil {
				t.Fatalf("Send: %v", err)
			}
			waitFor(t, srv, 1)
			data := srv.Messages()[0].Data
			v := verify(t, data, dns)
			if v.Domain != testHost {
				t.Errorf("d=%s, want %s", v.Domain, testHost)
			}
			for _, h := range email.SignedHeaders {
				if !containsFold(v.HeaderKeys, h) {
					t.Errorf("h= %v lacks %s", v.HeaderKeys, h)
				}
			}
			sig := parse(t, data).Header.Get("DKIM-Signature")
			for _, tag := range []string{"a=" + alg + "-sha256", "c=relaxed/relaxed", "s=herald"} {
				if !strings.Contains(sig, tag) {
					t.Errorf("DKIM-Signature %q lacks %s", sig, tag)
				}
			}
			tampered := bytes.Replace(data, []byte("Hello Ada"), []byte("Hello Eve"), 1)
			vs, _ := dkim.VerifyWithOptions(bytes.NewReader(tampered), &dkim.VerifyOptions{LookupTXT: dns.LookupTXT})
			if len(vs) != 1 || vs[0].Err == nil {
				t.Error("a changed body still verifies")
			}
		})
	}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Signed messages to a server that takes 8bit: with EightBitSigned
// (8bit=true) the signature covers the 8bit bytes that are sent; by
// default (8bit=auto) they go quoted-printable, as a relay further on that
// cannot take 8bit would re-encode them and break the signature.
func TestSendSignsDKIMEightBit(t *testing.T) {
	for _, tt := range []struct {
		signed8bit bool
		want       string
	}{{true, "8bit,8bit"}, {false, "quoted-printable,quoted-printable"}} {
		srv, dns := smtptest.Start(t), dnstest.Start(t)
		cfg := baseConfig(srv, &recorder{})
		cfg.EightBit, cfg.EightBitSigned = true, tt.signed8bit
		cfg.DKIM = signer(t, testKeys(t)["ed25519"], dns)
		s := newSender(t, cfg, nil)
		for _, id := range []string{"eight-1", "eight-2"} {
			if err := s.Send(context.Background(), testMessage(id)); err != nil {
				t.Fatalf("Send: %v", err)
			}
		}
		waitFor(t, srv, 2)
		data := srv.Messages()[1].Data
		if got := encodings(t, data); got != tt.want {
			t.Fatalf("EightBitSigned %v: encodings %s, want %s", tt.signed8bit, got, tt.want)
		}
		verify(t, data, dns)
	}
}

// The signature still verifies on the message as mailpit stored it, after
// a real SMTP server's receiving path (Received headers added, lines
// stored as they came).
func TestDKIMSurvivesMailpit(t *testing.T) {
	mp := mailpittest.Start(t)
	for alg, key := range testKeys(t) {
		t.Run(alg, func(t *testing.T) {
			dns := dnstest.Start(t)
			cfg := email.Config{Host: mp.SMTPHost, Port: mp.SMTPPort, TLS: email.TLSNone, From: from,
				HeloName: "herald.test", Hostname: testHost, Timeout: 10 * time.Second, DKIM: signer(t, key, dns)}
			s := newSender(t, cfg, nil)
			before := len(mp.MessageIDs())
			if err := s.Send(context.Background(), testMessage("mailpit-"+alg)); err != nil {
				t.Fatalf("Send: %v", err)
			}
			ids := mp.MessageIDs()
			if len(ids) != before+1 {
				t.Fatalf("mailpit holds %d messages, want %d", len(ids), before+1)
			}
			verify(t, mp.Raw(ids[0]), dns)
		})
	}
}

// ParseKey reads the PEM forms openssl writes; anything else is refused
// with what was found.
func TestParseKey(t *testing.T) {
	keys := testKeys(t)
	pkcs8 := func(k crypto.Signer) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})
	for name, data := range map[string][]byte{"rsa pkcs1": pkcs1, "rsa pkcs8": pkcs8(keys["rsa"]), "ed25519 pkcs8": pkcs8(keys["ed25519"])} {
		if _, err := email.ParseKey(data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string][]byte{
		"no PEM":     []byte("not a key"),
		"public key": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}),
		"garbage":    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}),
		"ecdsa":      pkcs8(ec),
	}
	for name, data := range bad {
		if _, err := email.ParseKey(data); err == nil || !strings.HasPrefix(err.Error(), "dkim: ") {
			t.Errorf("%s: error %v, want one starting dkim:", name, err)
		}
	}
}

// A 2048-bit RSA record is longer than one DNS string: the zone line
// splits it into quoted strings of at most 255 bytes.
func TestZoneLine(t *testing.T) {
	d := signer(t, testKeys(t)["rsa"], nil)
	line := d.ZoneLine()
	name, rest, _ := strings.Cut(line, " TXT ")
	if name != "herald._domainkey."+testHost {
		t.Errorf("name %q", name)
	}
	parts := strings.Split(strings.Trim(rest, `"`), `" "`)
	if len(parts) < 2 || strings.Join(parts, "") != d.Record() {
		t.Fatalf("zone line %q does not hold the record %q in pieces", line, d.Record())
	}
	for _, p := range parts {
		if len(p) > 255 {
			t.Errorf("a string of %d bytes", len(p))
		}
	}
}
