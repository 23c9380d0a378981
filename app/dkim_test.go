package app_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"herald/app"
	"herald/digest"
	"herald/internal/dnstest"
	"herald/internal/redistest"
	"herald/internal/smtptest"
	"herald/subscribers"
)

func writePEM(t *testing.T, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func pkcs8(t *testing.T, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// A key file that is missing, not PEM or not an RSA or Ed25519 key stops
// start-up with an error naming HERALD_DKIM_KEY_FILE.
func TestDKIMBadKeyFileFailsStartup(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	notPEM := filepath.Join(t.TempDir(), "key.txt")
	_ = os.WriteFile(notPEM, []byte("hello"), 0o600)
	for name, path := range map[string]string{
		"missing": filepath.Join(t.TempDir(), "none.pem"),
		"not PEM": notPEM,
		"ecdsa":   writePEM(t, "PRIVATE KEY", pkcs8(t, ec)),
	} {
		t.Run(name, func(t *testing.T) {
			rdb, prefix := redistest.Client(t)
			cfg := app.DefaultConfig()
			cfg.RedisPrefix, cfg.DKIMKeyFile = prefix, path
			_, err := app.New(context.Background(), cfg, app.Options{RDB: rdb})
			if err == nil || !strings.Contains(err.Error(), "HERALD_DKIM_KEY_FILE") {
				t.Fatalf("New: %v, want an error naming HERALD_DKIM_KEY_FILE", err)
			}
		})
	}
}

// With HERALD_DKIM_KEY_FILE and HERALD_DKIM_SELECTOR set, the SMTP channel
// the app opens signs for the From address's domain.
func TestDKIMSignsEmailChannel(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	srv, dns := smtptest.Start(t), dnstest.Start(t)
	rdb, prefix := redistest.Client(t)
	cfg := app.DefaultConfig()
	env := map[string]string{"HERALD_DKIM_KEY_FILE": writePEM(t, "PRIVATE KEY", pkcs8(t, key)), "HERALD_DKIM_SELECTOR": "s2026",
		"HERALD_FROM": "Herald <digest@news.example.com>", "HERALD_SMTP_URL": fmt.Sprintf("smtp://%s?tls=none", srv.Addr())}
	if err := cfg.LoadEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	cfg.RedisPrefix = prefix
	a, err := app.New(context.Background(), cfg, app.Options{RDB: rdb})
	if err != nil {
		t.Fatal(err)
	}
	dns.SetTXT("s2026._domainkey.news.example.com", a.DKIM.Record())
	chans, err := a.OpenChannels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer chans.Close()
	msg := &digest.Message{ID: "d-1", SubscriberID: "s1", Kind: subscribers.KindEmail, Date: time.Now(),
		To: digest.Address{Email: "ada@example.org"}, Email: &digest.Rendered{Subject: "Digest", Text: []byte("hi\n"), HTML: []byte("<p>hi</p>")},
		Links: digest.Links{Unsubscribe: "https://herald.example.com/u/t"}}
	if err := chans.ByKind[subscribers.KindEmail].Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(srv.Messages()[0].Data), &dkim.VerifyOptions{LookupTXT: dns.LookupTXT})
	if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "news.example.com" {
		t.Fatalf("verify: %v %+v", err, vs)
	}
}
