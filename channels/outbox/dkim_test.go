package outbox_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"herald/channels/email"
	"herald/channels/outbox"
	"herald/internal/dnstest"
)

// With WithDKIM an .eml file is the email channel's bytes with a
// DKIM-Signature in front, and it verifies against the key in DNS.
func TestEmailFileSigned(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d, err := email.NewDKIM(key, "news.example", "herald")
	if err != nil {
		t.Fatal(err)
	}
	dns := dnstest.Start(t)
	dns.SetTXT(d.RecordName(), d.Record())
	w, err := outbox.New(filepath.Join(t.TempDir(), "outbox"), from, "", outbox.WithDKIM(d))
	if err != nil {
		t.Fatal(err)
	}
	msg := emailMessage("d-1")
	if err := w.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(w.Dir(), "sub-1-d-1.eml"))
	if err != nil {
		t.Fatal(err)
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(data), &dkim.VerifyOptions{LookupTXT: dns.LookupTXT})
	if err != nil || len(vs) != 1 || vs[0].Err != nil {
		t.Fatalf("verify: %v %+v", err, vs)
	}
	var unsigned bytes.Buffer
	if err := email.WriteMessage(&unsigned, msg, from, "news.example"); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("DKIM-Signature: ")) || !bytes.HasSuffix(data, unsigned.Bytes()) {
		t.Errorf("file is not a DKIM-Signature then the unsigned bytes:\n%.600s", data)
	}
}
