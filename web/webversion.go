package web

import (
	"errors"
	"log/slog"
	"net/http"

	"herald/subscribers"
)

// ErrVersionGone says a message's stories are no longer retained, so its
// web version cannot be shown.
var ErrVersionGone = errors.New("web: the stories of this message have expired")

// webVersion serves GET /m/{token}: the message the token names, gathered
// again from the story index and rendered as a page (Deps.WebVersion).
func (s *Server) webVersion(w http.ResponseWriter, r *http.Request) {
	if s.d.WebVersion == nil {
		http.NotFound(w, r)
		return
	}
	page, err := s.d.WebVersion(r.Context(), r.PathValue("token"))
	switch {
	case errors.Is(err, ErrVersionGone):
		s.message(w, http.StatusGone, goneVersionPage)
	case errors.Is(err, subscribers.ErrTokenExpired):
		s.message(w, http.StatusGone, expiredVersionPage)
	case errors.Is(err, subscribers.ErrTokenInvalid):
		s.message(w, http.StatusNotFound, badLinkPage)
	case err != nil:
		s.d.Logger.Error("web version", slog.Any("error", err))
		s.message(w, http.StatusInternalServerError, messageView{Title: "Something went wrong", Paragraphs: []string{"Please try again in a moment."}})
	default:
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("Cache-Control", "private, no-store")
		h.Set("Referrer-Policy", "no-referrer") // the URL holds a token
		h.Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(page)
	}
}

// The web version's failure pages.
var (
	goneVersionPage = messageView{Title: "These stories have expired", Paragraphs: []string{
		"The stories in this message are older than we keep them, so its web version is no longer available. Your next digest brings the latest ones."}}
	expiredVersionPage = messageView{Title: "This link has expired", Paragraphs: []string{
		"This web version link is too old to open. Your next digest carries a fresh one."}}
)
