package web

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// CodeRateLimited is the API error code of a client over a limit (429).
const CodeRateLimited = "rate_limited"

// limitAuth wraps the /v1 handler so token guessing is slow and seen. Every
// 401 is logged with the client's address (clientOf), never the token
// sent, and counted against the client in Deps.AuthLimit; a client that
// has used up its limit is answered 429, with Retry-After, to every
// request until the window ends, the right token too, so guessing on
// tells it nothing. Requests with the right token are not counted.
func (s *Server) limitAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := clientOf(r)
		if !s.authAdmitted(w, r, client) {
			return
		}
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == http.StatusUnauthorized {
			s.authFailed(r, client)
		}
	})
}

// authAdmitted answers 429 and returns false when client has used up its
// failed-token limit. A limiter that cannot reach Redis admits (the token
// check still applies) and logs why.
func (s *Server) authAdmitted(w http.ResponseWriter, r *http.Request, client string) bool {
	if s.d.AuthLimit == nil {
		return true
	}
	res, err := s.d.AuthLimit.Peek(r.Context(), client)
	if err != nil {
		s.d.Logger.Warn("admin API: token limit not checked", slog.String("client", client), slog.Any("error", err))
		return true
	}
	if res.Allowed {
		return true
	}
	setRetryAfter(w, res.RetryAfter)
	w.Header().Set("Connection", "close")
	s.writeError(w, r, errorf(http.StatusTooManyRequests, CodeRateLimited, "",
		"too many requests with a wrong or missing bearer token from this address; try again in "+
			strconv.Itoa(seconds(res.RetryAfter))+" s"))
	hangUp(w)
	return false
}

// authFailed logs a 401 and counts it against client.
func (s *Server) authFailed(r *http.Request, client string) {
	attrs := []any{slog.String("client", client), slog.String("method", r.Method), slog.String("path", r.URL.Path)}
	if s.d.AuthLimit == nil {
		s.d.Logger.Warn("admin API: wrong or missing bearer token", attrs...)
		return
	}
	// The 401 hung up: the request's context may be over already.
	res, err := s.d.AuthLimit.Take(context.WithoutCancel(r.Context()), client)
	if err != nil {
		s.d.Logger.Warn("admin API: wrong or missing bearer token (not counted)", append(attrs, slog.Any("error", err))...)
		return
	}
	limit := s.d.AuthLimit.Rate().Limit
	s.d.Logger.Warn("admin API: wrong or missing bearer token", append(attrs, slog.Int("failures", res.Count), slog.Int("limit", limit))...)
	if res.Count == limit {
		s.d.Logger.Warn("admin API: client reached the failed-token limit: answering 429", slog.String("client", client),
			slog.Duration("retry_after", res.RetryAfter))
	}
}

// hangUp ends the exchange without reading the request body: the response
// is flushed and the connection's read deadline passed, so a slow body
// holds nothing.
func hangUp(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	_ = rc.SetReadDeadline(time.Now())
}

// statusRecorder remembers the status a handler answers; Unwrap lets
// http.ResponseController reach the connection through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
