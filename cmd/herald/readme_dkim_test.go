package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"herald/app"
	"herald/internal/dnstest"
)

// The README's DKIM section runs as written: the key openssl makes is the
// one herald doctor finds in DNS (a local server publishing the key's
// record, SPF and DMARC for the From domain), and every check passes.
func TestReadmeDKIM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the README")
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl")
	}
	r := newReadmeRig(t)
	dns := dnstest.Start(t)
	dns.SetTXT("news.example.com", "v=spf1 ip4:127.0.0.1 -all")
	dns.SetTXT("_dmarc.news.example.com", "v=DMARC1; p=none")
	r.env = append(r.env, "HERALD_DNS_SERVER="+dns.Addr(), "HERALD_SMTP_URL=smtp://"+r.smtp+"?tls=none")
	for _, line := range readmeLines(t, "DKIM, SPF and DMARC") {
		if strings.HasPrefix(line, "herald doctor") {
			publish(t, dns, r.dir)
		}
		r.run(line)
	}
	for _, want := range []string{"PASS  dkim   herald2026._domainkey.news.example.com holds the public key", "PASS  spf", "PASS  dmarc", "PASS  relay"} {
		if !strings.Contains(r.lastOut, want) {
			t.Errorf("herald doctor's output lacks %q:\n%s", want, r.lastOut)
		}
	}
}

// publish serves the record of the key the README made.
func publish(t *testing.T, dns *dnstest.Server, dir string) {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.DKIMKeyFile, cfg.DKIMSelector, cfg.From = filepath.Join(dir, "dkim.pem"), "herald2026", "digest@news.example.com"
	if _, err := os.Stat(cfg.DKIMKeyFile); err != nil {
		t.Fatalf("the README made no dkim.pem: %v", err)
	}
	d, err := app.LoadDKIM(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dns.SetTXT(d.RecordName(), d.Record())
}
