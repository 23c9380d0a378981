package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// With the admin side on its own listener, the public one answers 404 for
// /v1 and /metrics however the path is spelt, and the admin one serves them.
func TestAdminSplit(t *testing.T) {
	f := newFixture(t)
	s := New(f.deps(t))
	public, admin := httptest.NewServer(s.Public()), httptest.NewServer(s.Admin())
	t.Cleanup(public.Close)
	t.Cleanup(admin.Close)
	get := func(base, path string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		res, err := http.DefaultClient.Do(req) // follows the mux's cleaning redirects
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, path := range []string{"/v1/subscribers", "/v1/topics", "/metrics", "/v1/../v1/topics", "/%761/topics", "//v1/topics", "/v1"} {
		if code := get(public.URL, path); code != http.StatusNotFound {
			t.Errorf("public GET %s: %d, want 404", path, code)
		}
	}
	for path, want := range map[string]int{"/v1/topics": 200, "/metrics": 200, "/healthz": 200, "/signup": 404, "/u/x": 404} {
		if code := get(admin.URL, path); code != want {
			t.Errorf("admin GET %s: %d, want %d", path, code, want)
		}
	}
	if code := get(public.URL, "/healthz"); code != 200 {
		t.Errorf("public GET /healthz: %d, want 200", code)
	}
}
