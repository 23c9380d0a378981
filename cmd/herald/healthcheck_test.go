package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// healthcheck exits 0 on a 200 from the path and 2 otherwise.
func TestHealthcheckCommand(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	if out, err := runCLI(t, "healthcheck", "--http-addr", addr); err != nil || !strings.Contains(out, "ok") {
		t.Errorf("healthy: %v\n%s", err, out)
	}
	if _, err := runCLI(t, "healthcheck", "--http-addr", addr, "--path", "/readyz"); err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "503") {
		t.Errorf("unready: %v, want exit 2 naming the 503", err)
	}
}
