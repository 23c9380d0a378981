package web

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// clientOf names the client of r for the per-client limits: the IP address
// the connection comes from (RemoteAddr; Herald reads no forwarding header,
// which any client can forge), an IPv6 address cut to its /64, the block
// one line or host usually holds whole. Behind a reverse proxy every client
// is the proxy.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// admitSignup counts a sign-up post against its client's limit. Over the
// limit it answers 429 with Retry-After and a page saying when to try
// again, and returns false.
func (s *Server) admitSignup(w http.ResponseWriter, r *http.Request) bool {
	if s.d.SignupLimit == nil {
		return true
	}
	client := clientOf(r)
	res, err := s.d.SignupLimit.Take(r.Context(), client)
	if err != nil {
		s.unavailable(w, "signup limit", err)
		return false
	}
	if res.Allowed {
		return true
	}
	if res.Count == s.d.SignupLimit.Rate().Limit+1 { // the first refusal of the window
		s.d.Logger.Warn("signup rate limit reached: answering 429", slog.String("client", client),
			slog.Int("limit", s.d.SignupLimit.Rate().Limit), slog.Duration("retry_after", res.RetryAfter))
	}
	setRetryAfter(w, res.RetryAfter)
	s.message(w, http.StatusTooManyRequests, messageView{Title: "Too many sign-ups", Paragraphs: []string{
		"Too many sign-ups came from your network in a short time, so this one was not taken. Nothing was saved.",
		"Please try again in " + spell(res.RetryAfter) + "."}})
	return false
}

// setRetryAfter sets Retry-After to d in whole seconds.
func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(seconds(d)))
}

// seconds is d in whole seconds, rounded up, at least 1.
func seconds(d time.Duration) int { return int(max((d+time.Second-1)/time.Second, 1)) }

// spell says d for a reader, rounded up to its largest unit: "an hour",
// "7 days", "45 minutes".
func spell(d time.Duration) string {
	units := []struct {
		size      time.Duration
		one, many string
	}{{24 * time.Hour, "a day", "days"}, {time.Hour, "an hour", "hours"}, {time.Minute, "a minute", "minutes"}}
	for _, u := range units {
		if d >= u.size || u.size == time.Minute {
			n := (d + u.size - 1) / u.size
			if n <= 1 {
				return u.one
			}
			return strconv.Itoa(int(n)) + " " + u.many
		}
	}
	return ""
}
