package web

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the OpenAPI 3.1 document of the admin API, served at
// /v1/openapi.json. docs/openapi.json is a copy; a test keeps them equal.
//
//go:embed openapi.json
var OpenAPI []byte

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(OpenAPI)
}
