package main

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"herald/channels/email"
)

// demoDKIMFile holds the DNS record of the demo's signing key.
const demoDKIMFile = "dkim.txt"

// demoDKIM makes the demo's DKIM key, RSA 2048 (every verifier takes
// rsa-sha256; not all take ed25519), and writes the TXT record it needs to
// dkim.txt in dir as a zone-file line, so any DKIM verifier can check the
// demo's .eml files. The private key lives only in memory.
func demoDKIM(dir, domain, selector string) (*email.DKIM, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("demo: DKIM key: %w", err)
	}
	d, err := email.NewDKIM(key, domain, selector)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, demoDKIMFile), []byte(d.ZoneLine()+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return d, nil
}

// printDKIM says how the messages are signed and where the record is.
func printDKIM(w io.Writer, d *email.DKIM, dir string) {
	abs, _ := filepath.Abs(filepath.Join(dir, demoDKIMFile))
	fmt.Fprintf(w, "DKIM: every email is signed (d=%s, s=%s) with a key made for this run; its DNS record is in %s\n\n",
		d.Domain(), d.Selector(), abs)
}
