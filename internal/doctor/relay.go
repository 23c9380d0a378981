package doctor

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail/smtp"

	"herald/channels/email"
)

// Relay connects to the relay cfg names (from HERALD_SMTP_URL) and checks,
// one result each: that it answers, its TLS (STARTTLS offered and used in
// starttls mode), and AUTH with the credentials when they are set. It
// sends no message. The password never appears in a result.
func Relay(ctx context.Context, cfg email.Config, helo string) []Result {
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	c, err := dialRelay(ctx, cfg, addr, helo)
	if err != nil {
		return []Result{fail("relay", fmt.Sprintf("cannot talk SMTP to %s (tls=%s): %v", addr, cfg.TLS, err),
			"check HERALD_SMTP_URL's host, port and tls=, and that the relay accepts connections from this machine")}
	}
	defer c.Close()
	out := []Result{pass("relay", addr+" answers EHLO")}
	tlsResult := relayTLS(c, cfg)
	out = append(out, tlsResult)
	if tlsResult.Status == Fail && cfg.TLS == email.TLSStartTLS {
		return out
	}
	out = append(out, relayAuth(c, cfg))
	_ = c.Quit()
	return out
}

func dialRelay(ctx context.Context, cfg email.Config, addr, helo string) (*smtp.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	d := &net.Dialer{}
	var conn net.Conn
	var err error
	if cfg.TLS == email.TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: d, Config: tlsConfig(cfg)}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, cfg.Host)
	if err == nil {
		err = c.Hello(helo)
	}
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return c, nil
}

func tlsConfig(cfg email.Config) *tls.Config {
	if cfg.TLSConfig != nil {
		tc := cfg.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = cfg.Host
		}
		return tc
	}
	return &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
}

func relayTLS(c *smtp.Client, cfg email.Config) Result {
	offered, _ := c.Extension("STARTTLS")
	switch cfg.TLS {
	case email.TLSImplicit:
		return pass("relay", "TLS from the first byte (tls=tls)"+tlsVersion(c))
	case email.TLSStartTLS:
		if !offered {
			return fail("relay", "the relay does not offer STARTTLS, which tls=starttls requires",
				"use smtps:// (tls=tls, port 465) if the relay speaks TLS at once, or tls=none for a relay on this machine only")
		}
		if err := c.StartTLS(tlsConfig(cfg)); err != nil {
			return fail("relay", "STARTTLS offered but failed: "+err.Error(), "check the relay's certificate is valid for "+cfg.Host)
		}
		return pass("relay", "STARTTLS offered and used"+tlsVersion(c))
	}
	if offered {
		return warn("relay", "the relay offers STARTTLS but HERALD_SMTP_URL says tls=none: messages and the password cross the network in clear",
			"set tls=starttls in HERALD_SMTP_URL")
	}
	if local(cfg.Host) {
		return pass("relay", "tls=none to a relay on this machine")
	}
	return warn("relay", "no TLS to "+cfg.Host+": messages cross the network in clear", "use a relay that offers STARTTLS, with tls=starttls")
}

func tlsVersion(c *smtp.Client) string {
	if st, ok := c.TLSConnectionState(); ok {
		return " (" + tls.VersionName(st.Version) + ")"
	}
	return ""
}

func local(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// relayAuth tries AUTH PLAIN, or LOGIN when the relay offers only that.
func relayAuth(c *smtp.Client, cfg email.Config) Result {
	ok, mechs := c.Extension("AUTH")
	if cfg.Username == "" {
		if ok {
			return warn("relay", "no credentials in HERALD_SMTP_URL, and the relay offers AUTH ("+mechs+"): it may refuse mail without them",
				"put user:password in HERALD_SMTP_URL (or HERALD_SMTP_URL_FILE) if the relay wants them")
		}
		return pass("relay", "no credentials set, and the relay asks none")
	}
	if !ok {
		return fail("relay", "HERALD_SMTP_URL has a user but the relay offers no AUTH", "check the relay's port (submission is 587 or 465) and tls=")
	}
	auth, mech := smtp.PlainAuth("", cfg.Username, cfg.Password, cfg.Host, cfg.TLS == email.TLSNone), "PLAIN"
	if !slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
		auth, mech = smtp.LoginAuth(cfg.Username, cfg.Password, cfg.Host, cfg.TLS == email.TLSNone), "LOGIN"
	}
	if err := c.Auth(auth); err != nil {
		return fail("relay", fmt.Sprintf("AUTH %s refused for user %q: %s", mech, cfg.Username, redact(err.Error(), cfg.Password)),
			"check the user and password in HERALD_SMTP_URL (or HERALD_SMTP_URL_FILE)")
	}
	return pass("relay", fmt.Sprintf("AUTH %s accepted for user %q", mech, cfg.Username))
}

func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "xxxxx")
}
