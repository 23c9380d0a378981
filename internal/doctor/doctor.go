// Package doctor checks a sending setup the way a receiving mail server
// sees it: for the From domain, the DKIM public key in DNS against the
// private key Herald signs with, the SPF and DMARC records, and the SMTP
// relay (connect, STARTTLS, AUTH). Each check gives one Result: PASS, WARN
// or FAIL, with a hint saying what to change. herald doctor prints them.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Status is a check's outcome.
type Status string

const (
	Pass Status = "PASS"
	Warn Status = "WARN"
	Fail Status = "FAIL"
)

// Result is one check's outcome.
type Result struct {
	Status Status
	Check  string // dkim, spf, dmarc, relay
	Detail string // what was found
	Hint   string // what to do; for WARN and FAIL
}

// String is the result's line, then its hint's line when it is not a pass.
func (r Result) String() string {
	s := fmt.Sprintf("%-4s  %-6s %s", r.Status, r.Check, r.Detail)
	if r.Status != Pass && r.Hint != "" {
		s += "\n      hint: " + r.Hint
	}
	return s
}

func pass(check, detail string) Result { return Result{Status: Pass, Check: check, Detail: detail} }

func warn(check, detail, hint string) Result {
	return Result{Status: Warn, Check: check, Detail: detail, Hint: hint}
}

func fail(check, detail, hint string) Result {
	return Result{Status: Fail, Check: check, Detail: detail, Hint: hint}
}

// Failed counts the FAIL results.
func Failed(rs []Result) int {
	n := 0
	for _, r := range rs {
		if r.Status == Fail {
			n++
		}
	}
	return n
}

// Resolver looks up TXT records; *net.Resolver is one.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// NewResolver asks server (host:port) over UDP, and TCP when an answer is
// truncated; an empty server is the system's resolver. A server of its own
// is for tests and split DNS.
func NewResolver(server string) (Resolver, error) {
	if server == "" {
		return net.DefaultResolver, nil
	}
	if _, _, err := net.SplitHostPort(server); err != nil {
		return nil, fmt.Errorf("HERALD_DNS_SERVER %q: want host:port (e.g. 127.0.0.1:53): %w", server, err)
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, server)
	}}, nil
}

// lookupTXT asks for name as an absolute name (no search domains), and
// reports found false for a name that does not exist or has no TXT.
func lookupTXT(ctx context.Context, r Resolver, name string) (txts []string, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	txts, err = r.LookupTXT(ctx, strings.TrimSuffix(name, ".")+".")
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound {
		return nil, false, nil
	}
	return txts, err == nil && len(txts) > 0, err
}

const hintDNS = "check the DNS server (HERALD_DNS_SERVER, or the system's resolver) answers from here"
