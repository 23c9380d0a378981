package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"herald/internal/operators"
	"herald/internal/ratelimit"
)

// Failed sign-ins are limited per client and per account (in Redis, across
// processes): after the limit, every attempt, a right password included,
// answers 429 until the window ends.
var (
	LoginClientRate  = ratelimit.Rate{Limit: 20, Window: 15 * time.Minute}
	LoginAccountRate = ratelimit.Rate{Limit: 5, Window: 15 * time.Minute}
)

// loginCSRF is the subject of the login form's token (no session yet).
const loginCSRF = "admin-login"

type loginView struct{ Email string }

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, err := s.sessionOf(r); err == nil {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
		return
	}
	s.renderLogin(w, http.StatusOK, "", "", "")
}

func (s *Server) renderLogin(w http.ResponseWriter, status int, email, notice, errText string) {
	s.renderAdmin(w, status, "login", adminView{Title: "Sign in", Notice: notice, Error: errText,
		CSRF: csrfToken(s.d.Secret, loginCSRF, s.d.Now()), Body: loginView{Email: email}})
}

// login checks the form, the limits and the password, then starts a
// session and goes to the dashboard.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.origin.Check(r) != nil || checkCSRF(s.keys, loginCSRF, r.PostFormValue("csrf"), s.d.Now()) != nil {
		s.renderLogin(w, http.StatusForbidden, "", "", "This form was too old or did not come from this page. Nothing was sent: try again.")
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	if !s.loginAllowed(w, r, email) {
		return
	}
	err := s.checkLogin(r, email, r.PostFormValue("password"))
	if errors.Is(err, operators.ErrBadLogin) {
		s.loginFailed(w, r, email)
		return
	}
	if err == nil {
		err = s.startSession(w, r, email)
	}
	if err != nil {
		s.d.Logger.Error("console: sign in", slog.Any("error", err))
		s.renderLogin(w, http.StatusServiceUnavailable, email, "", "The database did not answer just now. Try again in a minute.")
		return
	}
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

func (s *Server) checkLogin(r *http.Request, email, password string) error {
	if s.d.Operators == nil || email == "" || password == "" {
		return operators.ErrBadLogin
	}
	return s.d.Operators.Check(r.Context(), email, password)
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request, email string) error {
	token, err := s.d.Operators.StartSession(r.Context(), email, adminSessionLifetime)
	if err != nil {
		return err
	}
	s.setSessionCookie(w, token)
	s.d.Logger.Info("console: operator signed in", slog.String("operator", email), slog.String("client", clientOf(r)))
	return nil
}

// loginAllowed peeks at both limits; over either it answers 429.
func (s *Server) loginAllowed(w http.ResponseWriter, r *http.Request, email string) bool {
	for _, c := range s.loginCounters(r, email) {
		res, err := c.lim.Peek(r.Context(), c.who)
		if err != nil {
			s.d.Logger.Error("console: login limit", slog.Any("error", err))
			s.renderLogin(w, http.StatusServiceUnavailable, email, "", "The database did not answer just now. Try again in a minute.")
			return false
		}
		if !res.Allowed {
			setRetryAfter(w, res.RetryAfter)
			s.renderLogin(w, http.StatusTooManyRequests, email, "",
				"Too many failed sign-ins. Try again in "+spell(res.RetryAfter)+".")
			return false
		}
	}
	return true
}

// loginFailed counts a failure against both limits and says so.
func (s *Server) loginFailed(w http.ResponseWriter, r *http.Request, email string) {
	for _, c := range s.loginCounters(r, email) {
		if _, err := c.lim.Take(r.Context(), c.who); err != nil {
			s.d.Logger.Error("console: login limit", slog.Any("error", err))
		}
	}
	s.d.Logger.Warn("console: failed sign-in", slog.String("operator", email), slog.String("client", clientOf(r)))
	s.renderLogin(w, http.StatusUnauthorized, email, "", "Wrong email or password.")
}

type loginCounter struct {
	lim *ratelimit.Limiter
	who string
}

func (s *Server) loginCounters(r *http.Request, email string) []loginCounter {
	var out []loginCounter
	if s.d.LoginLimit != nil {
		out = append(out, loginCounter{s.d.LoginLimit, clientOf(r)})
	}
	if s.d.LoginAccountLimit != nil && email != "" {
		out = append(out, loginCounter{s.d.LoginAccountLimit, operators.TokenID(email)})
	}
	return out
}

// logout ends the session and clears the cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, ss session) {
	if c, err := r.Cookie(adminCookie); err == nil {
		if err := s.d.Operators.EndSession(r.Context(), c.Value); err != nil {
			s.adminUnavailable(w, ss, "sign out", err)
			return
		}
	}
	s.setSessionCookie(w, "")
	s.d.Logger.Info("console: operator signed out", slog.String("operator", ss.Email))
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}
