package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"
)

// api returns the /v1 handler: every route behind the bearer token (POST
// /v1/bounces also takes its own credential, bounce_auth.go), and JSON
// errors for unknown paths and methods too.
func (s *Server) api() http.Handler {
	m := http.NewServeMux()
	s.apiRoutes(m)
	return s.limitAuth(s.bounceRoute(s.requireToken(jsonFallback(m))))
}

func (s *Server) apiRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /v1/openapi.json", s.openAPI)
	m.HandleFunc("POST /v1/stories", s.handle(s.postStories))
	m.HandleFunc("GET /v1/stories/{id}", s.handle(s.getStory))
	m.HandleFunc("DELETE /v1/stories/{id}", s.handle(s.deleteStory))
	m.HandleFunc("GET /v1/topics", s.handle(s.listTopics))
	m.HandleFunc("GET /v1/subscribers", s.handle(s.listSubscribers))
	m.HandleFunc("POST /v1/subscribers", s.handle(s.createSubscriber))
	m.HandleFunc("POST /v1/subscribers/import", s.handle(s.importSubscribers))
	m.HandleFunc("GET /v1/subscribers/{id}", s.handle(s.getSubscriber))
	m.HandleFunc("PATCH /v1/subscribers/{id}", s.handle(s.patchSubscriber))
	m.HandleFunc("DELETE /v1/subscribers/{id}", s.handle(s.deleteSubscriber))
	m.HandleFunc("POST /v1/subscribers/{id}/topics", s.handle(s.followTopics))
	m.HandleFunc("DELETE /v1/subscribers/{id}/topics", s.handle(s.unfollowTopics))
	m.HandleFunc("DELETE /v1/subscribers/{id}/topics/{slug}", s.handle(s.unfollowTopic))
	m.HandleFunc("POST /v1/subscribers/{id}/confirmation", s.handle(s.resendConfirmation))
	m.HandleFunc("GET /v1/subscribers/{id}/preview", s.handle(s.previewSubscriber))
	m.HandleFunc("POST /v1/dispatch", s.handle(s.dispatch))
	m.HandleFunc("GET /v1/suppressions/{email}", s.handle(s.getSuppression))
	m.HandleFunc("DELETE /v1/suppressions/{email}", s.handle(s.liftSuppression))
	m.HandleFunc("POST /v1/bounces", s.handle(s.postBounces))
	s.feedRoutes(m)
}

// requireToken lets a request through only with "Authorization: Bearer
// <HERALD_API_TOKEN>", compared in constant time. With no token configured
// the API is off: 503 on every route.
func (s *Server) requireToken(next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(s.d.APIToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.d.APIToken == "" {
			s.writeError(w, r, errorf(http.StatusServiceUnavailable, CodeAPIDisabled, "",
				"the admin API is disabled: HERALD_API_TOKEN is not set"))
			return
		}
		got, ok := bearer(r)
		// Hashing first makes the comparison constant-time in the length too.
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="herald"`)
			// Answer without reading the body, and close: a slow body
			// from an unauthenticated client holds nothing.
			w.Header().Set("Connection", "close")
			s.writeError(w, r, errorf(http.StatusUnauthorized, CodeUnauthorized, "",
				"missing or wrong bearer token (Authorization: Bearer $HERALD_API_TOKEN)"))
			rc := http.NewResponseController(w)
			_ = rc.Flush()
			_ = rc.SetReadDeadline(time.Now()) // the server would drain the body otherwise
			return
		}
		next.ServeHTTP(w, r)
	})
}

func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// jsonFallback serves m, answering paths and methods m does not know with
// a JSON error (404, or 405 with its Allow header) instead of plain text.
func jsonFallback(m *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := m.Handler(r)
		if pattern != "" {
			m.ServeHTTP(w, r) // sets the path values Handler leaves out
			return
		}
		probe := &statusProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if allow := probe.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		code, status := CodeNotFound, http.StatusNotFound
		if probe.status == http.StatusMethodNotAllowed {
			code, status = CodeNotAllowed, http.StatusMethodNotAllowed
		}
		writeJSON(w, status, map[string]*apiError{"error": {Code: code, Message: http.StatusText(status) + ": " + r.Method + " " + r.URL.Path}})
	})
}

// statusProbe records what the mux's own 404/405 handler would answer.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(code int)        { p.status = code }
