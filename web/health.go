package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"herald/internal/health"
	"herald/internal/redisstate"
)

// healthz says the process is up; it touches nothing else.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readiness is /readyz's body: the summary and every named dependency
// check (Deps.Health), each with its state, last error and since when.
type readiness struct {
	Status string         `json:"status"` // ready, degraded or unavailable
	Checks []health.State `json:"checks"`
}

// readyz reports every dependency. It answers 503 only while a critical one
// (Redis) is down: with a relay or Slack down the pages and the API still
// work, so the status is "degraded" and deliveries are held.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := s.d.Health.Report(ctx)
	body := readiness{Status: health.Summary(checks), Checks: checks}
	w.Header().Set("Cache-Control", "no-store")
	code := http.StatusOK
	if body.Status == "unavailable" {
		code = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// defaultHealth is the registry of a server given none: Redis alone (on a
// cluster: every slot served).
func defaultHealth(d Deps) *health.Registry {
	reg := health.New(d.Now)
	reg.Add("redis", health.Critical(), health.Probe(func(ctx context.Context) error {
		return redisstate.Ready(ctx, d.RDB)
	}))
	return reg
}
