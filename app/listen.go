package app

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// SplitHandler is an HTTP handler that can serve its admin side (the API
// and metrics) apart from its public side (package web's Server).
type SplitHandler interface {
	http.Handler
	Public() http.Handler
	Admin() http.Handler
}

// listener is one HTTP listener and its server.
type listener struct {
	name string // log key: http_addr or admin_addr
	ln   net.Listener
	srv  *http.Server
}

// listen opens HERALD_HTTP_ADDR and, when set, HERALD_ADMIN_ADDR, which
// then alone serves the admin side.
func (a *App) listen(handler http.Handler) ([]listener, error) {
	if a.Cfg.AdminAddr == "" {
		l, err := a.open("http_addr", "HERALD_HTTP_ADDR", a.Cfg.HTTPAddr, handler)
		return []listener{l}, err
	}
	split, ok := handler.(SplitHandler)
	if !ok {
		return nil, fmt.Errorf("HERALD_ADMIN_ADDR is set but this handler cannot serve its admin side apart")
	}
	public, err := a.open("http_addr", "HERALD_HTTP_ADDR", a.Cfg.HTTPAddr, split.Public())
	if err != nil {
		return nil, err
	}
	admin, err := a.open("admin_addr", "HERALD_ADMIN_ADDR", a.Cfg.AdminAddr, split.Admin())
	if err != nil {
		public.ln.Close()
		return nil, err
	}
	return []listener{public, admin}, nil
}

func (a *App) open(name, env, addr string, h http.Handler) (listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return listener{}, fmt.Errorf("listen on %s (%s): %w", addr, env, err)
	}
	return listener{name: name, ln: ln, srv: a.httpServer(h)}, nil
}

// logServing says where Herald listens, in one line ("herald serving").
func (a *App) logServing(ls []listener) {
	attrs := make([]any, 0, len(ls))
	for _, l := range ls {
		attrs = append(attrs, slog.String(l.name, l.ln.Addr().String()))
	}
	a.Logger.Info("herald serving", attrs...)
}

// warnPlainBaseURL warns when links in messages are plain http on a host
// readers reach over a network: mail clients' one-click unsubscribe
// (RFC 8058) needs https, so the header that offers it is left out.
func (a *App) warnPlainBaseURL() {
	u, err := url.Parse(a.Cfg.BaseURL)
	if err != nil || u.Scheme == "https" || isLocalHost(u.Hostname()) {
		return
	}
	a.Logger.Warn("HERALD_BASE_URL is not https: one-click unsubscribe (RFC 8058 List-Unsubscribe-Post) cannot be offered, "+
		"so Gmail's and Yahoo's bulk-sender rules are not met; put a TLS-terminating proxy in front and set an https:// base URL",
		slog.String("base_url", a.Cfg.BaseURL))
}

func isLocalHost(host string) bool {
	host = strings.ToLower(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
