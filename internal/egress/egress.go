// Package egress guards Herald's requests to URLs that someone other than
// the operator typed in (a team's Slack webhook): such a URL must name one
// of a few known hosts or an operator's allow-listed one, and the
// connection may not be aimed inside (loopback, private, link-local and
// metadata addresses), checked on the address actually dialled so a DNS
// answer that changes after validation cannot aim it there either.
// Redirects are never followed.
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode"
)

// ErrRefused is the dial-time refusal of an internal address.
var ErrRefused = errors.New("egress: internal address refused")

// Hosts is a policy: built-in hosts (https on port 443 only) and an
// operator's allow-list of "host" or "host:port" entries (http or https,
// any address, for proxies and test doubles).
type Hosts struct {
	builtIn []string
	allow   map[string]bool
	setting string // the allow-list's setting name, for messages
}

// Parse builds a policy from builtIn and list, a comma-separated host[:port]
// list from the setting named setting.
func Parse(builtIn []string, list, setting string) (*Hosts, error) {
	h := &Hosts{builtIn: builtIn, allow: map[string]bool{}, setting: setting}
	for _, e := range strings.Split(list, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" {
			continue
		}
		if strings.ContainsAny(e, "/@?# ") {
			return nil, fmt.Errorf("%s: %q is not host or host:port", setting, e)
		}
		h.allow[e] = true
	}
	return h, nil
}

// AllowListed says whether host (with port, "" for none) is on the
// operator's list.
func (h *Hosts) AllowListed(host, port string) bool {
	host = strings.ToLower(strings.Trim(host, "[]"))
	return h.allow[host] || h.allow[net.JoinHostPort(host, port)] || h.allow["["+host+"]"]
}

// CheckURL says why raw may not be requested, or nil. The URL may be a
// secret (a webhook's path is): only its host appears in the error.
func (h *Hosts) CheckURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil || len(raw) > 2048 || strings.IndexFunc(raw, unicode.IsControl) >= 0 {
		return errors.New("not a valid URL")
	}
	host, port := u.Hostname(), u.Port()
	if h.AllowListed(host, port) {
		if u.Scheme != "https" && u.Scheme != "http" {
			return errors.New("must be https (or http to an allow-listed host)")
		}
		return nil
	}
	if h.builtInHost(host) {
		if u.Scheme != "https" || (port != "" && port != "443") {
			return fmt.Errorf("must be https://%s/… on port 443", strings.ToLower(host))
		}
		return nil
	}
	return h.notAllowed(host)
}

func (h *Hosts) builtInHost(host string) bool {
	for _, b := range h.builtIn {
		if strings.EqualFold(host, b) {
			return true
		}
	}
	return false
}

func (h *Hosts) notAllowed(host string) error {
	what := "is not"
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if kind := internal(ip); kind != "" {
			what = "is " + kind + " address, and not"
		}
	} else if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		what = "is a loopback name, and not"
	}
	return fmt.Errorf("host %s %s one of %s; add it to %s for a proxy or a test double",
		host, what, strings.Join(h.builtIn, ", "), h.setting)
}

// internal names the kind of an address Herald must not reach for a
// stranger's URL, "" for a public one.
func internal(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		return "a loopback"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "a link-local (cloud metadata)"
	case ip.IsPrivate(), sharedSpace.Contains(ip):
		return "a private"
	case ip.IsUnspecified(), thisNetwork.Contains(ip), ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "a non-unicast"
	}
	return ""
}

var (
	sharedSpace = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT; some clouds' metadata
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
)

// Client is an HTTP client that follows no redirect (a 3xx is the
// answer) and dials an address that is not allow-listed only when it is
// public.
func (h *Hosts) Client(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = h.DialContext
	return &http.Client{Timeout: timeout, Transport: tr, CheckRedirect: NoRedirect}
}

// NoRedirect makes an http.Client return a redirect as the response.
func NoRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// DialContext dials addr; unless its host is allow-listed, the resolved
// address is checked just before connecting and an internal one refused.
func (h *Hosts) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if host, port, err := net.SplitHostPort(addr); err != nil || !h.AllowListed(host, port) {
		d.Control = refuseInternal
	}
	return d.DialContext(ctx, network, addr)
}

// refuseInternal is a net.Dialer Control: it sees the address about to be
// connected, after name resolution.
func refuseInternal(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unreadable address %q", ErrRefused, address)
	}
	if kind := internal(ap.Addr()); kind != "" {
		return fmt.Errorf("%w: %s is %s address", ErrRefused, ap.Addr(), kind)
	}
	return nil
}
