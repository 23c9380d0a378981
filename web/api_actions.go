package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"herald/digest"
	"herald/subscribers"
)

// topicsInput is the body of POST and DELETE /v1/subscribers/{id}/topics.
type topicsInput struct {
	Topics []string `json:"topics"`
}

func (s *Server) followTopics(w http.ResponseWriter, r *http.Request) error {
	return s.changeFollows(w, r, s.d.Subs.Follow)
}

func (s *Server) unfollowTopics(w http.ResponseWriter, r *http.Request) error {
	return s.changeFollows(w, r, s.d.Subs.Unfollow)
}

func (s *Server) unfollowTopic(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.d.Subs.Unfollow(r.Context(), id, r.PathValue("slug")); err != nil {
		return err
	}
	return s.writeSubscriber(w, r, id)
}

func (s *Server) changeFollows(w http.ResponseWriter, r *http.Request, change func(ctx context.Context, id string, slugs ...string) error) error {
	var in topicsInput
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if len(in.Topics) == 0 {
		return invalidField("topics", "required: a list of topic slugs or names")
	}
	id := r.PathValue("id")
	if err := change(r.Context(), id, in.Topics...); err != nil {
		return err
	}
	return s.writeSubscriber(w, r, id)
}

func (s *Server) writeSubscriber(w http.ResponseWriter, r *http.Request, id string) error {
	sub, err := s.d.Subs.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view(sub))
	return nil
}

// importResult is the body of POST /v1/subscribers/import.
type importResult struct {
	Added   int              `json:"added"`
	Updated int              `json:"updated"`
	Skipped int              `json:"skipped"`
	Errors  []importRowError `json:"errors"`
}

type importRowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// importSubscribers adds or updates email subscribers from a CSV body (see
// subscribers.ImportCSV). Bad rows are skipped and listed; a bad header or
// a body over the limit stores nothing.
func (s *Server) importSubscribers(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, s.d.MaxImportBytes)
	if err != nil {
		return err
	}
	res, err := subscribers.ImportCSV(r.Context(), s.d.Subs, bytes.NewReader(body), nil)
	if err != nil {
		return importError(err)
	}
	out := importResult{Added: res.Added, Updated: res.Updated, Skipped: res.Skipped, Errors: []importRowError{}}
	for _, re := range res.Errors {
		msg := re.Err.Error()
		var ve *subscribers.ValidationError
		if errors.As(re.Err, &ve) {
			msg = ve.Message
		}
		out.Errors = append(out.Errors, importRowError{Line: re.Line, Field: re.Field, Message: msg})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// importError tells a bad file (400: its header, an empty body) from a
// failing store (the error as it is).
func importError(err error) error {
	var pe *csv.ParseError
	if errors.Unwrap(err) == nil || errors.As(err, &pe) || errors.Is(err, io.EOF) {
		return errorf(http.StatusBadRequest, CodeBadRequest, "", err.Error())
	}
	return err
}

// previewSubscriber renders the digest the subscriber would get now,
// without claiming it: ?format=html or text (email subscribers), slack
// (Slack subscribers: the chat.postMessage bodies as a JSON array). The
// default is the subscriber's own: html or slack.
func (s *Server) previewSubscriber(w http.ResponseWriter, r *http.Request) error {
	if s.d.Preview == nil {
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "", "preview is not configured on this server")
	}
	sub, err := s.d.Subs.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	format, err := previewFormat(r.URL.Query().Get("format"), sub.Kind)
	if err != nil {
		return err
	}
	msg, _, err := s.d.Preview(r.Context(), sub.ID)
	if err != nil {
		return err
	}
	return writePreview(w, format, msg)
}

func previewFormat(format string, kind subscribers.Kind) (string, error) {
	if format == "" {
		format = map[subscribers.Kind]string{subscribers.KindEmail: "html", subscribers.KindSlack: "slack"}[kind]
	}
	switch {
	case format != "html" && format != "text" && format != "slack":
		return "", errorf(http.StatusBadRequest, CodeBadRequest, "format", "want html, text or slack")
	case (format == "slack") != (kind == subscribers.KindSlack):
		return "", invalidField("format", format+" is not available for a "+string(kind)+" subscriber")
	}
	return format, nil
}

func writePreview(w http.ResponseWriter, format string, msg *digest.Message) error {
	if format != "slack" && msg.Email == nil {
		return errors.New("web: preview: message has no email body")
	}
	w.Header().Set("Cache-Control", "no-store")
	switch format {
	case "slack":
		payloads := msg.Payloads
		if payloads == nil {
			payloads = []json.RawMessage{}
		}
		writeJSON(w, http.StatusOK, payloads)
		return nil
	case "text":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := w.Write(msg.Email.Text)
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src https: data:")
	_, err := w.Write(msg.Email.HTML)
	return err
}

// dispatch delivers everything due now and answers with what it did.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) error {
	if s.d.Dispatch == nil {
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "", "dispatch is not configured on this server")
	}
	// A dispatch can outlast the server's write timeout: an admin's
	// request, already authenticated, is exempt from it.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	st, err := s.d.Dispatch(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dispatchResult{
		Claimed: st.Claimed, Sent: st.Sent, Empty: st.Empty, Skipped: st.Skipped,
		Temporary: st.Temporary, Permanent: st.Permanent, Held: st.Held,
	})
	return nil
}

type dispatchResult struct {
	Claimed   int `json:"claimed"`
	Sent      int `json:"sent"`
	Empty     int `json:"empty"`
	Skipped   int `json:"skipped"`
	Temporary int `json:"temporary"`
	Permanent int `json:"permanent"`
	Held      int `json:"held"` // a channel was down: due again once it is back
}

// getSuppression says whether an address is on the suppression list, and
// why (unsubscribed, bounced: ..., complaint).
func (s *Server) getSuppression(w http.ResponseWriter, r *http.Request) error {
	sup, err := s.d.Subs.Suppressed(r.Context(), r.PathValue("email"))
	if err != nil {
		return err
	}
	if sup == nil {
		return errorf(http.StatusNotFound, CodeNotFound, "", "the address is not suppressed")
	}
	writeJSON(w, http.StatusOK, sup)
	return nil
}

// liftSuppression takes an address off the suppression list: the admin's
// explicit override, logged. The subscriber's status is not changed.
func (s *Server) liftSuppression(w http.ResponseWriter, r *http.Request) error {
	email := r.PathValue("email")
	lifted, err := s.d.Subs.Unsuppress(r.Context(), email)
	if err != nil {
		return err
	}
	if !lifted {
		return errorf(http.StatusNotFound, CodeNotFound, "", "the address is not suppressed")
	}
	s.d.Logger.Warn("suppression lifted through the admin API", slog.String("email_domain", domainOf(email)))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// domainOf is the part of an address safe to log.
func domainOf(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		return email[i+1:]
	}
	return ""
}
