package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"herald/channels/email"
	"herald/internal/dnstest"
	"herald/internal/smtptest"
)

// doctorRig is a From domain whose records a local DNS server serves, a
// DKIM key file, and an SMTP relay asking for credentials.
type doctorRig struct {
	dns     *dnstest.Server
	smtp    *smtptest.Server
	keyFile string
	dkim    *email.DKIM
}

const doctorPass = "s3cret-relay-pass"

func newDoctorRig(t *testing.T) *doctorRig {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	r := &doctorRig{dns: dnstest.Start(t), smtp: smtptest.Start(t, smtptest.WithAuth("herald", doctorPass)),
		keyFile: filepath.Join(t.TempDir(), "dkim.pem")}
	if err := os.WriteFile(r.keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if r.dkim, err = email.NewDKIM(key, "news.example.com", "herald"); err != nil {
		t.Fatal(err)
	}
	r.dns.SetTXT(r.dkim.RecordName(), r.dkim.Record())
	r.dns.SetTXT("news.example.com", "google-site-verification=abc", "v=spf1 ip4:127.0.0.1 -all")
	r.dns.SetTXT("_dmarc.news.example.com", "v=DMARC1; p=quarantine; rua=mailto:dmarc@news.example.com")
	return r
}

func (r *doctorRig) run(t *testing.T, pass string) (string, error) {
	t.Helper()
	return runCLI(t, "doctor", "--dkim-key-file", r.keyFile, "--from", "Herald <digest@news.example.com>",
		"--smtp-url", fmt.Sprintf("smtp://herald:%s@%s?tls=none", pass, r.smtp.Addr()))
}

// A good setup passes every check and exits 0; HERALD_DNS_SERVER points
// the lookups at the local server.
func TestDoctorGoodSetup(t *testing.T) {
	r := newDoctorRig(t)
	t.Setenv("HERALD_DNS_SERVER", r.dns.Addr())
	out, err := r.run(t, doctorPass)
	if err != nil {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	for _, want := range []string{
		"PASS  dkim   herald._domainkey.news.example.com holds the public key of HERALD_DKIM_KEY_FILE (k=ed25519",
		"PASS  spf    news.example.com: v=spf1 ip4:127.0.0.1 -all",
		"PASS  dmarc  _dmarc.news.example.com: p=quarantine",
		"PASS  relay  " + r.smtp.Addr() + " answers EHLO",
		`PASS  relay  AUTH PLAIN accepted for user "herald"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL") || strings.Contains(out, doctorPass) {
		t.Errorf("a FAIL line or the password:\n%s", out)
	}
}

// Another key at the selector, no DMARC record and a wrong password are
// FAIL lines with hints (the DKIM one is the record to publish), and exit
// status 1; the password is never printed.
func TestDoctorFailures(t *testing.T) {
	r := newDoctorRig(t)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	wrong, _ := email.NewDKIM(other, "news.example.com", "herald")
	r.dns.SetTXT(r.dkim.RecordName(), wrong.Record())
	r.dns.SetTXT("_dmarc.news.example.com")
	out, err := runCLI(t, "doctor", "--dns-server", r.dns.Addr(), "--dkim-key-file", r.keyFile, "--from", "digest@news.example.com",
		"--smtp-url", fmt.Sprintf("smtp://herald:%s@%s?tls=none", "wrong-pass", r.smtp.Addr()))
	if err == nil || exitCode(err) != 1 || err.Error() != "doctor: 3 of 6 checks failed" {
		t.Fatalf("doctor: %v (exit %d), want exit 1\n%s", err, exitCode(err), out)
	}
	for _, want := range []string{
		"FAIL  dkim   herald._domainkey.news.example.com: another key than the one in HERALD_DKIM_KEY_FILE",
		"hint: publish " + r.dkim.ZoneLine(),
		"FAIL  dmarc  no DMARC record (TXT v=DMARC1) at _dmarc.news.example.com",
		`hint: publish _dmarc.news.example.com TXT "v=DMARC1; p=none;`,
		"PASS  spf",
		`FAIL  relay  AUTH PLAIN refused for user "herald"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "wrong-pass") {
		t.Errorf("the password is in the output:\n%s", out)
	}
}
