package web

import "net/http"

// adminPatterns are the mux patterns of the admin side: the API, the
// metrics and the console. With HERALD_ADMIN_ADDR they are served on that listener only.
var adminPatterns = map[string]bool{"/v1/": true, "GET /metrics": true, "/admin/": true, "GET /admin": true}

// healthPatterns are served on both sides, for probes of either listener.
var healthPatterns = map[string]bool{"GET /healthz": true, "GET /readyz": true}

// Public is the handler of the public listener when the admin side has a
// listener of its own: everything but /v1, /metrics and /admin, which are 404.
// The decision is the mux's own match (after its path cleaning), so no
// spelling of a path reaches the admin side.
func (s *Server) Public() http.Handler {
	return s.only(func(pattern string) bool { return !adminPatterns[pattern] })
}

// Admin is the handler of the admin listener: /v1, /metrics, /admin, /healthz and
// /readyz; anything else is 404.
func (s *Server) Admin() http.Handler {
	return s.only(func(pattern string) bool { return adminPatterns[pattern] || healthPatterns[pattern] })
}

func (s *Server) only(serves func(pattern string) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := s.mux.Handler(r); !serves(pattern) {
			http.NotFound(w, r)
			return
		}
		s.mux.ServeHTTP(w, r)
	})
}
