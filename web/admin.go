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
	"strings"
	"time"

	"herald/internal/operators"
)

// The operator's console under /admin (admin_*.go): sign-in with an
// operator's email and password (herald admins add), a session cookie, the
// dashboard, subscribers and topics. Every page reads the same Redis data
// the CLI does; every form carries a CSRF token bound to the session and is
// refused from another origin. With HERALD_ADMIN_ADDR the console is served
// on the admin listener only (split.go).

// adminSessionLifetime is how long a sign-in lasts.
const adminSessionLifetime = 12 * time.Hour

// adminCookie holds the session token; its path keeps it off the reader pages.
const adminCookie = "herald_admin"

//go:embed templates/admin/*.html templates/admin/admin.css
var adminFS embed.FS

var adminCSS = func() string {
	b, err := adminFS.ReadFile("templates/admin/admin.css")
	if err != nil {
		panic(err)
	}
	return styleCSS + string(b)
}()

// adminCSP is the reader pages' policy (pages.go) for the console's style.
var adminCSP = func() string {
	sum := sha256.Sum256([]byte(adminCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}()

var adminPages = map[string]*template.Template{}

func init() {
	for _, name := range []string{"login", "message", "dashboard", "subscribers", "subscriber", "topics", "deliveries"} {
		adminPages[name] = parseAdminPage(name)
	}
}

func parseAdminPage(name string) *template.Template {
	funcs := template.FuncMap{
		"css":  func() template.CSS { return template.CSS(adminCSS) },
		"when": adminTime,
		"list": func(v ...string) []string { return v },
		"counts": func(title, id string, rows []channelCount) countsTable {
			return countsTable{Title: title, ID: id, Rows: rows}
		},
	}
	return template.Must(template.New(name).Funcs(funcs).ParseFS(adminFS,
		"templates/admin/layout.html", "templates/admin/"+name+".html"))
}

// adminTime shows an instant in UTC to the minute, "-" for none.
func adminTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// adminView is what every console page gets: its title, the signed-in
// operator (empty on the login page), the session's CSRF token for its
// forms, the nav entry to mark, a notice, and the page's own data.
type adminView struct {
	Title, Operator, CSRF, Nav string
	Notice, Error              string
	Body                       any
}

// session is a signed-in operator: the email, and the ID of the token
// (operators.TokenID) that forms are bound to.
type session struct{ Email, ID string }

func (ss session) csrfSubject() string { return "admin:" + ss.ID }

func (s *Server) renderAdmin(w http.ResponseWriter, status int, name string, v adminView) {
	var buf bytes.Buffer
	if err := adminPages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		s.d.Logger.Error("render console page", slog.String("page", name), slog.Any("error", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	setAdminHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func setAdminHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", adminCSP)
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
}

// page fills the common parts of a signed-in page.
func (s *Server) page(ss session, title, nav string, body any) adminView {
	return adminView{Title: title, Operator: ss.Email, Nav: nav, Body: body,
		CSRF: csrfToken(s.d.Secret, ss.csrfSubject(), s.d.Now())}
}

// adminMessage is a console page with a title and one paragraph.
func (s *Server) adminMessage(w http.ResponseWriter, status int, ss session, title, text string) {
	v := s.page(ss, title, "", text)
	s.renderAdmin(w, status, "message", v)
}

func (s *Server) adminUnavailable(w http.ResponseWriter, ss session, what string, err error) {
	s.d.Logger.Error("console: "+what, slog.Any("error", err))
	s.adminMessage(w, http.StatusServiceUnavailable, ss, "Please try again", "The database did not answer just now ("+what+"). Try again in a minute.")
}

// console is the /admin handler.
func (s *Server) console() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /admin/login", s.loginPage)
	m.HandleFunc("POST /admin/login", s.limit(s.login))
	m.HandleFunc("POST /admin/logout", s.limit(s.signedIn(s.logout)))
	m.HandleFunc("GET /admin/{$}", s.signedIn(s.dashboard))
	m.HandleFunc("GET /admin/subscribers", s.signedIn(s.adminSubscribers))
	m.HandleFunc("GET /admin/subscribers/{id}", s.signedIn(s.adminSubscriber))
	m.HandleFunc("GET /admin/subscribers/{id}/preview", s.signedIn(s.adminPreview))
	m.HandleFunc("POST /admin/subscribers/{id}/{action}", s.limit(s.signedIn(s.subscriberAction)))
	m.HandleFunc("POST /admin/subscribers/{id}/unsuppress", s.limit(s.signedIn(s.liftSuppressionForm)))
	m.HandleFunc("GET /admin/topics", s.signedIn(s.adminTopics))
	m.HandleFunc("GET /admin/deliveries", s.signedIn(s.adminDeliveries))
	m.HandleFunc("POST /admin/topics/{slug}", s.limit(s.signedIn(s.saveTopic)))
	return m
}

// signedIn runs h for a request with a live session; a request without
// one is sent to the login page. A POST must also pass checkAdminForm.
func (s *Server) signedIn(h func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ss, err := s.sessionOf(r)
		if errors.Is(err, operators.ErrNoSession) {
			http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
			return
		}
		if err != nil {
			s.adminUnavailable(w, session{}, "session", err)
			return
		}
		if r.Method == http.MethodPost && !s.checkAdminForm(w, r, ss) {
			return
		}
		h(w, r, ss)
	}
}

func (s *Server) sessionOf(r *http.Request) (session, error) {
	if s.d.Operators == nil {
		return session{}, operators.ErrNoSession
	}
	c, err := r.Cookie(adminCookie)
	if err != nil {
		return session{}, operators.ErrNoSession
	}
	email, err := s.d.Operators.Session(r.Context(), c.Value)
	if err != nil {
		return session{}, err
	}
	return session{Email: email, ID: operators.TokenID(c.Value)}, nil
}

// checkAdminForm refuses a console POST from another origin or without
// the session's CSRF token: 403, nothing changed.
func (s *Server) checkAdminForm(w http.ResponseWriter, r *http.Request, ss session) bool {
	err := s.origin.Check(r)
	if err == nil {
		err = checkCSRF(s.keys, ss.csrfSubject(), r.PostFormValue("csrf"), s.d.Now())
	}
	if err != nil {
		s.d.Logger.Warn("console: form refused", slog.String("path", r.URL.Path), slog.Any("error", err))
		s.adminMessage(w, http.StatusForbidden, ss, "Form refused",
			"This form was not accepted: it is too old, or did not come from this console. Nothing was changed. Go back, reload the page and try again.")
		return false
	}
	return true
}

// setSessionCookie sets (or, with an empty token, clears) the cookie:
// HttpOnly, SameSite=Lax, Secure when the console's base URL is https.
func (s *Server) setSessionCookie(w http.ResponseWriter, token string) {
	c := &http.Cookie{Name: adminCookie, Value: token, Path: "/admin", HttpOnly: true,
		Secure: strings.HasPrefix(s.d.BaseURL, "https://"), SameSite: http.SameSiteLaxMode,
		MaxAge: int(adminSessionLifetime / time.Second)}
	if token == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}
