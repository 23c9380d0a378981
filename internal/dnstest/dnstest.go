// Package dnstest runs an authoritative DNS server (miekg/dns) for tests on
// a real UDP and TCP port of 127.0.0.1. It answers TXT queries from a table
// the test sets, NXDOMAIN for any other name, and counts queries. A test
// points Herald at it with HERALD_DNS_SERVER=Addr(), and a verifier with
// LookupTXT, which asks it over the wire.
package dnstest

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Server is a running test DNS server.
type Server struct {
	addr string
	udp  *dns.Server
	tcp  *dns.Server

	mu  sync.Mutex
	txt map[string][]string // FQDN, lower case -> one string per record
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{txt: map[string][]string{}}
	pc, ln := listenPair(t)
	s.addr = pc.LocalAddr().String()
	mux := dns.NewServeMux()
	mux.HandleFunc(".", s.answer)
	s.udp = &dns.Server{PacketConn: pc, Handler: mux}
	s.tcp = &dns.Server{Listener: ln, Handler: mux}
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
	}
	t.Cleanup(func() { _ = s.udp.Shutdown(); _ = s.tcp.Shutdown() })
	return s
}

// listenPair takes a UDP port and the TCP port of the same number.
func listenPair(t testing.TB) (net.PacketConn, net.Listener) {
	t.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln
		}
		_ = pc.Close()
	}
	t.Fatal("dnstest: no UDP and TCP port pair free")
	return nil, nil
}

// Addr is host:port, for HERALD_DNS_SERVER.
func (s *Server) Addr() string { return s.addr }

// SetTXT makes name answer one TXT record per text (none: NXDOMAIN). A
// text longer than 255 bytes is sent as several strings of one record, as
// a zone file would hold it.
func (s *Server) SetTXT(name string, texts ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.txt[dns.CanonicalName(name)] = texts
}

func (s *Server) answer(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	if len(req.Question) == 1 {
		q := req.Question[0]
		s.mu.Lock()
		texts, ok := s.txt[dns.CanonicalName(q.Name)]
		s.mu.Unlock()
		switch {
		case !ok || len(texts) == 0:
			m.Rcode = dns.RcodeNameError
		case q.Qtype == dns.TypeTXT:
			for _, text := range texts {
				hdr := dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}
				m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: chunks(text)})
			}
		}
	}
	_ = w.WriteMsg(m)
}

func chunks(text string) []string {
	var out []string
	for len(text) > 255 {
		out = append(out, text[:255])
		text = text[255:]
	}
	return append(out, text)
}

// LookupTXT asks the server for name's TXT records over UDP, joining each
// record's strings: what go-msgauth's dkim.VerifyOptions.LookupTXT wants.
func (s *Server) LookupTXT(name string) ([]string, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeTXT)
	c := &dns.Client{Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, s.addr)
	if err != nil {
		return nil, err
	}
	if r.Rcode == dns.RcodeNameError {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	if r.Rcode != dns.RcodeSuccess {
		return nil, fmt.Errorf("dnstest: %s: rcode %s", name, dns.RcodeToString[r.Rcode])
	}
	var out []string
	for _, rr := range r.Answer {
		if txt, ok := rr.(*dns.TXT); ok {
			out = append(out, strings.Join(txt.Txt, ""))
		}
	}
	if len(out) == 0 {
		return nil, errors.New("dnstest: no TXT answer for " + name)
	}
	return out, nil
}
