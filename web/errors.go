package web

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"herald/stories"
	"herald/subscribers"
)

// Error codes of the admin API, in {"error": {"code", "message", "field"}}.
const (
	CodeBadJSON      = "bad_json"     // 400: the body is not the JSON asked for
	CodeBadRequest   = "bad_request"  // 400: a bad query parameter or CSV file
	CodeUnauthorized = "unauthorized" // 401: missing or wrong bearer token
	CodeNotFound     = "not_found"    // 404
	CodeNotAllowed   = "method_not_allowed"
	CodeExists       = "exists"       // 409: email, Slack destination or ID taken
	CodeSuppressed   = "suppressed"   // 409: the address is on the suppression list
	CodeTooLarge     = "too_large"    // 413: body over the limit
	CodeInvalid      = "invalid"      // 422: a field is wrong; field names it
	CodeInternal     = "internal"     // 500
	CodeUnavailable  = "unavailable"  // 503: a dependency or feature is missing
	CodeAPIDisabled  = "api_disabled" // 503: HERALD_API_TOKEN is not set
	CodeStoreFailed  = "store_failed" // per batch item: Redis refused the write
)

// apiError is an error with its HTTP status and API code.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, field, msg string) *apiError {
	return &apiError{Status: status, Code: code, Field: field, Message: msg}
}

func invalidField(field, msg string) *apiError {
	return errorf(http.StatusUnprocessableEntity, CodeInvalid, field, msg)
}

// apiStatus turns any error a handler returns into its API error: the one
// place where domain errors meet HTTP statuses. Unknown errors are 500s
// whose detail stays in the log.
func apiStatus(err error) (*apiError, bool) {
	var (
		ae   *apiError
		sve  *subscribers.ValidationError
		stve *stories.ValidationError
		mbe  *http.MaxBytesError
	)
	switch {
	case errors.As(err, &ae):
		return ae, true
	case errors.As(err, &mbe):
		return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "", "request body is larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes"), true
	case errors.As(err, &sve):
		return invalidField(sve.Field, sve.Message), true
	case errors.As(err, &stve):
		return invalidField(stve.Field, stve.Message), true
	case errors.Is(err, subscribers.ErrNotFound), errors.Is(err, stories.ErrNotFound):
		return errorf(http.StatusNotFound, CodeNotFound, "", "not found"), true
	case errors.Is(err, subscribers.ErrSuppressed):
		return errorf(http.StatusConflict, CodeSuppressed, "email", "the address is on the suppression list"+suppressedDetail(err)+
			"; it is never mailed again unless DELETE /v1/suppressions/{email} lifts that"), true
	case errors.Is(err, subscribers.ErrExists):
		return errorf(http.StatusConflict, CodeExists, "", "already exists: "+existsDetail(err)), true
	case errors.Is(err, subscribers.ErrBadCursor):
		return errorf(http.StatusBadRequest, CodeBadRequest, "cursor", "not a cursor this API returned"), true
	}
	return errorf(http.StatusInternalServerError, CodeInternal, "", "internal error; see the server log"), false
}

// existsDetail keeps the part of an ErrExists message that says what is
// taken ("destination held by ...", "id in use").
func existsDetail(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i > 0 {
		msg = msg[:i]
	}
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

var suppressedWhy = regexp.MustCompile(`\S+@\S+ \([^)]*\)`)

// suppressedDetail picks "name@example.com (unsubscribed since ...)" out
// of an ErrSuppressed message.
func suppressedDetail(err error) string {
	if m := suppressedWhy.FindString(err.Error()); m != "" {
		return ": " + m
	}
	return ""
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes err as the API's error object.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae, known := apiStatus(err)
	if !known {
		s.d.Logger.Error("api", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	writeJSON(w, ae.Status, map[string]*apiError{"error": ae})
}

// handlerFunc is an API handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// readBody reads the whole request body, at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}

// decodeJSON reads one JSON object from the body into v, refusing unknown
// fields and trailing data. Errors are API errors: 400 for broken JSON,
// 413 for a body over the limit, 422 naming the field for a wrong type or
// an unknown field.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r, s.d.MaxBodyBytes)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, CodeBadJSON, "", "unexpected data after the JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, io.EOF):
		return errorf(http.StatusBadRequest, CodeBadJSON, "", "empty body: want a JSON object")
	case errors.As(err, &se):
		return errorf(http.StatusBadRequest, CodeBadJSON, "", "invalid JSON at byte "+strconv.FormatInt(se.Offset, 10)+": "+se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(http.StatusBadRequest, CodeBadJSON, "", "invalid JSON: the body ends early")
	case errors.As(err, &te):
		if te.Field == "" {
			return errorf(http.StatusBadRequest, CodeBadJSON, "", "want a JSON object, not "+te.Value)
		}
		return invalidField(te.Field, "must be a JSON "+te.Type.Kind().String()+", not "+te.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if unq, uerr := strconv.Unquote(name); uerr == nil {
			name = unq
		}
		return invalidField(name, "unknown field")
	}
	return errorf(http.StatusBadRequest, CodeBadJSON, "", "invalid JSON: "+err.Error())
}
