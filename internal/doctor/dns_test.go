package doctor_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"

	"herald/channels/email"
	"herald/internal/dnstest"
	"herald/internal/doctor"
)

func resolver(t *testing.T, dns *dnstest.Server) doctor.Resolver {
	t.Helper()
	r, err := doctor.NewResolver(dns.Addr())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The DKIM check passes the key's own record, in either RSA form and cut
// into strings, and fails every other record with what is wrong.
func TestDKIMRecords(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := email.NewDKIM(key, "news.example", "s1")
	pkcs1 := "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PublicKey(&key.PublicKey))
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := email.NewDKIM(ed, "news.example", "s1")
	tests := []struct {
		name    string
		records []string
		status  doctor.Status
		detail  string
	}{
		{"its record", []string{d.Record()}, doctor.Pass, "holds the public key"},
		{"PKCS#1, no v=, no k=", []string{strings.TrimPrefix(pkcs1, "v=DKIM1; k=rsa; ")}, doctor.Pass, "holds the public key"},
		{"missing", nil, doctor.Fail, "no TXT record at s1._domainkey.news.example"},
		{"two records", []string{d.Record(), d.Record()}, doctor.Fail, "2 TXT records"},
		{"revoked", []string{"v=DKIM1; k=rsa; p="}, doctor.Fail, "revoked"},
		{"another type", []string{other.Record()}, doctor.Fail, "k=ed25519, but the private key is rsa"},
		{"not base64", []string{"v=DKIM1; p=!!!"}, doctor.Fail, "not base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dns := dnstest.Start(t)
			dns.SetTXT(d.RecordName(), tt.records...)
			rs := doctor.DKIM(context.Background(), resolver(t, dns), d, "news.example")
			if len(rs) != 1 || rs[0].Status != tt.status || !strings.Contains(rs[0].Detail, tt.detail) {
				t.Errorf("got %v, want %s ...%s...", rs, tt.status, tt.detail)
			}
		})
	}
}

// A signing domain that is not the From domain nor a parent of it is a
// WARN: DMARC would not count the signature.
func TestDKIMAlignment(t *testing.T) {
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	d, _ := email.NewDKIM(ed, "mail.example.net", "s1")
	dns := dnstest.Start(t)
	dns.SetTXT(d.RecordName(), d.Record())
	rs := doctor.DKIM(context.Background(), resolver(t, dns), d, "news.example")
	if len(rs) != 2 || rs[0].Status != doctor.Pass || rs[1].Status != doctor.Warn || !strings.Contains(rs[1].Detail, "not aligned") {
		t.Errorf("got %v", rs)
	}
	parent, _ := email.NewDKIM(ed, "example", "s1")
	dns.SetTXT(parent.RecordName(), parent.Record())
	if rs := doctor.DKIM(context.Background(), resolver(t, dns), parent, "news.example"); len(rs) != 1 {
		t.Errorf("a parent domain: %v", rs)
	}
}

func TestSPFAndDMARC(t *testing.T) {
	tests := []struct {
		name         string
		spf, dmarc   []string
		spfS, dmarcS doctor.Status
		spfD, dmarcD string
	}{
		{"good", []string{"other", "v=spf1 include:relay.example -all"}, []string{"v=DMARC1; p=reject"},
			doctor.Pass, doctor.Pass, "include:relay.example", "p=reject"},
		{"none", nil, nil, doctor.Fail, doctor.Fail, "no SPF record", "no DMARC record"},
		{"two SPF, p=none", []string{"v=spf1 -all", "v=spf1 ~all"}, []string{"v=DMARC1; p=none"},
			doctor.Fail, doctor.Pass, "2 SPF records", "p=none"},
		{"+all, bad DMARC", []string{"v=spf1 +all"}, []string{"v=DMARC1; p=maybe"}, doctor.Warn, doctor.Fail, "any server", "_dmarc.news.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dns := dnstest.Start(t)
			dns.SetTXT("news.example", tt.spf...)
			dns.SetTXT("_dmarc.news.example", tt.dmarc...)
			r := resolver(t, dns)
			if got := doctor.SPF(context.Background(), r, "news.example"); got.Status != tt.spfS || !strings.Contains(got.Detail, tt.spfD) {
				t.Errorf("SPF: %v, want %s ...%s...", got, tt.spfS, tt.spfD)
			}
			if got := doctor.DMARC(context.Background(), r, "news.example"); got.Status != tt.dmarcS || !strings.Contains(got.Detail, tt.dmarcD) {
				t.Errorf("DMARC: %v, want %s ...%s...", got, tt.dmarcS, tt.dmarcD)
			}
		})
	}
}

func TestNewResolverRefusesBadServer(t *testing.T) {
	if _, err := doctor.NewResolver("127.0.0.1"); err == nil || !strings.Contains(err.Error(), "HERALD_DNS_SERVER") {
		t.Errorf("NewResolver without a port: %v", err)
	}
}
