package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"net/http"

	"herald/subscribers"
)

//go:embed templates/*.html templates/*.txt
var pageFS embed.FS

//go:embed templates/style.css
var styleCSS string

// pages are the reader pages' templates, each with the shared layout,
// parsed once at start: a broken template stops the program at init.
var pages = map[string]*template.Template{
	"message":     parsePage("message"),
	"preferences": parsePage("preferences"),
	"signup":      parsePage("signup"),
}

func parsePage(name string) *template.Template {
	funcs := template.FuncMap{"css": func() template.CSS { return template.CSS(styleCSS) }}
	return template.Must(template.New(name).Funcs(funcs).ParseFS(pageFS,
		"templates/layout.html", "templates/topics.html", "templates/"+name+".html"))
}

// pageCSP allows nothing but the page's own inline style (by its hash) and
// forms posting back to this origin.
var pageCSP = func() string {
	sum := sha256.Sum256([]byte(styleCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}()

// render writes a page. The template runs into a buffer first, so a failure
// is a clean 500, never half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.d.Logger.Error("render page", slog.String("page", name), slog.Any("error", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Referrer-Policy", "no-referrer") // the URL holds a token
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// messageView is a simple page: a title, some text, maybe one button and
// some links.
type messageView struct {
	Title      string
	Paragraphs []string
	Form       *formView
	Links      []linkView
}

type formView struct {
	Action, Button, ID string
	Danger             bool
	Hidden             []hiddenField
}

type hiddenField struct{ Name, Value string }

type linkView struct{ Href, Text string }

func (s *Server) message(w http.ResponseWriter, status int, v messageView) {
	s.render(w, status, "message", v)
}

// Pages for failures shared by every reader page.
var (
	badLinkPage = messageView{Title: "Link not valid", Paragraphs: []string{
		"This link is not valid: it may have been cut short or changed. Use the link from your most recent email."}}
	expiredLinkPage = messageView{Title: "Link expired", Paragraphs: []string{
		"This link has expired. Use the link from your most recent email."}}
	goneLinkPage = messageView{Title: "Subscription not found", Paragraphs: []string{
		"This subscription no longer exists, so there is nothing to change."}}
	unavailablePage = messageView{Title: "Please try again", Paragraphs: []string{
		"We could not reach our database just now. Please try again in a minute."}}
	staleFormPage = messageView{Title: "Form expired", Paragraphs: []string{
		"This form was not accepted: it is too old or did not come from this page. Nothing was changed. Go back, reload the page and try again."}}
)

// subscriberFor verifies the path token for action and loads its
// subscriber. On failure it writes the page (403 for a bad or expired
// token, 404 for a removed subscriber or one re-created with the same ID
// since the link was signed, 503 when Redis fails) and returns nil.
func (s *Server) subscriberFor(w http.ResponseWriter, r *http.Request, action string) *subscribers.Subscriber {
	ref, err := subscribers.VerifyToken(s.keys, r.PathValue("token"), action, s.d.Now())
	switch {
	case errors.Is(err, subscribers.ErrTokenExpired):
		s.message(w, http.StatusForbidden, expiredLinkPage)
		return nil
	case err != nil:
		s.message(w, http.StatusForbidden, badLinkPage)
		return nil
	}
	sub, err := s.d.Subs.GetByToken(r.Context(), ref)
	switch {
	case errors.Is(err, subscribers.ErrNotFound): // removed, or re-created since the link was signed
		s.message(w, http.StatusNotFound, goneLinkPage)
		return nil
	case err != nil:
		s.d.Logger.Error("load subscriber", slog.String("subscriber", ref.Sub), slog.Any("error", err))
		s.message(w, http.StatusServiceUnavailable, unavailablePage)
		return nil
	}
	return sub
}

// checkForm guards a state-changing form POST: it must not come from
// another origin (Sec-Fetch-Site / Origin, when the browser sends them) and
// must carry the CSRF token the page issued for subject. On failure it
// writes a 403 page and returns false.
func (s *Server) checkForm(w http.ResponseWriter, r *http.Request, subject string) bool {
	if err := s.origin.Check(r); err != nil {
		s.message(w, http.StatusForbidden, staleFormPage)
		return false
	}
	if err := checkCSRF(s.keys, subject, r.PostFormValue("csrf"), s.d.Now()); err != nil {
		s.message(w, http.StatusForbidden, staleFormPage)
		return false
	}
	return true
}

// link signs a fresh link to one of the reader pages for sub.
func (s *Server) link(page, action string, sub *subscribers.Subscriber) string {
	return page + subscribers.SignToken(s.keys, sub, action, s.d.Now().Add(pageLinkLifetime))
}

func (s *Server) preferencesLink(sub *subscribers.Subscriber) string {
	return s.link("/p/", subscribers.ActionPreferences, sub)
}

func destination(sub *subscribers.Subscriber) string {
	switch {
	case sub.Kind == subscribers.KindEmail:
		return sub.Email
	case sub.SlackChannel != "":
		return "Slack channel " + sub.SlackChannel
	}
	return "this Slack channel"
}
