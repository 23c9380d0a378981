package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// Every .eml of the demo is DKIM-signed for the From domain, and verifies
// with the record dkim.txt gives, read as a zone-file line.
func TestDemoSignsWithDKIMRecord(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	out, err := runCLI(t, "demo", "--out", dir)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	zone, err := os.ReadFile(filepath.Join(dir, "dkim.txt"))
	if err != nil {
		t.Fatal(err)
	}
	name, record := parseZoneLine(t, string(zone))
	if name != "herald._domainkey.news.example.com" || !strings.HasPrefix(record, "v=DKIM1; k=rsa; p=") {
		t.Fatalf("dkim.txt = %q", zone)
	}
	lookup := func(n string) ([]string, error) {
		if n != name {
			return nil, &net.DNSError{Err: "no such host", Name: n, IsNotFound: true}
		}
		return []string{record}, nil
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(emls) < 6 {
		t.Fatalf("%d .eml files", len(emls))
	}
	for _, path := range emls {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := dkim.VerifyWithOptions(bytes.NewReader(b), &dkim.VerifyOptions{LookupTXT: lookup})
		if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "news.example.com" {
			t.Errorf("%s: %v %+v", filepath.Base(path), err, vs)
		}
	}
}

// parseZoneLine reads `name TXT "part" "part"`, joining the parts as a
// resolver does.
func parseZoneLine(t *testing.T, line string) (name, text string) {
	t.Helper()
	name, rest, ok := strings.Cut(strings.TrimSpace(line), " TXT ")
	if !ok {
		t.Fatalf("not a TXT line: %q", line)
	}
	for _, m := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(rest, -1) {
		text += m[1]
	}
	return name, text
}
