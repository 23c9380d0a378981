package doctor_test

import (
	"context"
	"strings"
	"testing"

	"herald/channels/email"
	"herald/internal/doctor"
	"herald/internal/smtptest"
)

func relayConfig(srv *smtptest.Server, mode email.TLSMode) email.Config {
	return email.Config{Host: srv.Host(), Port: srv.Port(), TLS: mode, TLSConfig: srv.ClientTLSConfig(),
		Username: "herald", Password: "pw-0123456789"}
}

func lines(rs []doctor.Result) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.String() + "\n")
	}
	return b.String()
}

// tls=starttls: STARTTLS is offered and used, then AUTH passes over it; a
// relay without STARTTLS fails the TLS check and is asked nothing more.
func TestRelayStartTLS(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithStartTLS(), smtptest.WithAuth("herald", "pw-0123456789"))
	rs := doctor.Relay(context.Background(), relayConfig(srv, email.TLSStartTLS), "herald.test")
	out := lines(rs)
	if doctor.Failed(rs) != 0 || !strings.Contains(out, "STARTTLS offered and used (TLS 1.3)") || !strings.Contains(out, "AUTH PLAIN accepted") {
		t.Errorf("starttls relay:\n%s", out)
	}
	plain := smtptest.Start(t, smtptest.WithAuth("herald", "pw-0123456789"))
	rs = doctor.Relay(context.Background(), relayConfig(plain, email.TLSStartTLS), "herald.test")
	out = lines(rs)
	if doctor.Failed(rs) != 1 || !strings.Contains(out, "FAIL  relay  the relay does not offer STARTTLS") || strings.Contains(out, "AUTH") {
		t.Errorf("relay without STARTTLS:\n%s", out)
	}
}

// A relay that cannot be reached is one FAIL line naming the address.
func TestRelayUnreachable(t *testing.T) {
	srv := smtptest.Start(t)
	cfg := relayConfig(srv, email.TLSNone)
	srv.Close()
	rs := doctor.Relay(context.Background(), cfg, "herald.test")
	if len(rs) != 1 || rs[0].Status != doctor.Fail || !strings.Contains(rs[0].Detail, srv.Addr()) {
		t.Errorf("unreachable relay: %s", lines(rs))
	}
}
