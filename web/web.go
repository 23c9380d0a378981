// Package web is Herald's HTTP front door, one handler for one server:
//
//   - the admin API under /v1 (bearer token, JSON in and out, an OpenAPI
//     document at /v1/openapi.json);
//   - the reader's own pages, reached from signed links in every message:
//     /u/{token} unsubscribe (RFC 8058 one-click), /p/{token} preferences,
//     /c/{token} double opt-in confirmation, /m/{token} the web version of
//     a message (webversion.go), and the optional /signup form;
//   - the Slack app under /slack/ (slack.go): a channel's team changes its
//     follows and schedule from Slack, every request signed by Slack;
//   - the operator's console under /admin (admin*.go): sign-in, dashboard,
//     subscribers and topics, server-rendered;
//   - /healthz, /readyz and /metrics (Prometheus text or OpenMetrics, client_golang).
//
// The package does not import herald/app: what it needs from the wiring
// (ingest, preview, dispatch, sending the confirmation email) comes in as
// function fields of Deps. Domain errors become HTTP statuses in one place,
// apiStatus in errors.go.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"herald/digest"
	"herald/internal/egress"
	"herald/internal/health"
	"herald/internal/keyring"
	"herald/internal/operators"
	"herald/internal/ratelimit"
	"herald/stories"
	"herald/subscribers"
)

// Defaults for the optional Deps fields.
const (
	DefaultMaxBodyBytes   = 1 << 20  // 1 MiB: one API request body
	DefaultMaxImportBytes = 32 << 20 // 32 MiB: one CSV import
	// ConfirmLifetime is how long a double opt-in link stays valid unless
	// Deps.SignupExpiry says otherwise.
	ConfirmLifetime = 7 * 24 * time.Hour
	// DefaultSignupCooldown is the least time between two confirmation
	// emails to one address from the sign-up form.
	DefaultSignupCooldown = time.Hour
	// DefaultSignupQueue is how many sign-ups may wait for the workers.
	DefaultSignupQueue = 1024
	// pageLinkLifetime is the life of links signed on the fly by the pages
	// (the preferences link on the unsubscribe page, for instance).
	pageLinkLifetime = 30 * 24 * time.Hour
)

// Deps are what the handlers need. RDB, Stories, Subs and Secret are
// required; a nil function field turns its feature off (the API answers 503,
// the sign-up page 404).
type Deps struct {
	RDB     redis.UniversalClient
	Stories *stories.Store
	Subs    *subscribers.Store

	// Secret signs and checks reader links and CSRF tokens (HERALD_SECRET).
	Secret []byte
	// PreviousSecrets are accepted when checking links and CSRF tokens,
	// never used to sign (HERALD_SECRET_PREVIOUS): the keys being rotated out.
	PreviousSecrets [][]byte
	// APIToken is the admin API's bearer token (HERALD_API_TOKEN); empty
	// turns the API off (503 on every /v1 route).
	APIToken string
	// BounceToken and BounceSecret are the bounce webhook's own
	// credential (HERALD_BOUNCE_TOKEN, HERALD_BOUNCE_SECRET): a bearer
	// token, and an HMAC key for signed reports (bounce_auth.go). They open
	// POST /v1/bounces only. Empty: only the admin token does.
	BounceToken  string
	BounceSecret []byte
	// KeyPrefix prefixes the Redis keys web writes (keys.go).
	KeyPrefix string
	// BaseURL is where these pages are reachable from a reader's mailbox,
	// e.g. https://herald.example.com; it prefixes confirmation links.
	// Empty: derived from the request.
	BaseURL string

	// Ingest stores one valid story and triggers instant alerts, reporting
	// whether it was new. Nil: Stories.Put.
	Ingest func(ctx context.Context, st *stories.Story) (created bool, err error)
	// Preview builds the message a subscriber (by ID) would get now.
	Preview func(ctx context.Context, id string) (*digest.Message, *digest.Digest, error)
	// Dispatch delivers what is due now (POST /v1/dispatch).
	Dispatch func(ctx context.Context) (digest.Stats, error)
	// SendConfirmation emails the double opt-in link to a pending
	// subscriber. ConfirmationEmail renders the body. Nil: no sign-up page
	// and no "confirm": true in the API.
	SendConfirmation func(ctx context.Context, sub *subscribers.Subscriber, confirmURL string) error

	// Signup turns the public /signup form on (HERALD_SIGNUP); it also
	// needs SendConfirmation, and RunSignups running to send its emails.
	Signup bool
	// SignupCooldown is the least time between two sign-up confirmation
	// emails to one address (DefaultSignupCooldown when 0).
	SignupCooldown time.Duration
	// SignupExpiry is how long an unconfirmed sign-up lives (the store's
	// sweep removes it after), and so how long its link is valid
	// (ConfirmLifetime when 0).
	SignupExpiry time.Duration
	// SignupQueue bounds the sign-ups waiting for the workers
	// (DefaultSignupQueue when 0); a full queue answers 503.
	SignupQueue int
	// SignupLimit counts POST /signup per client; AuthLimit counts wrong
	// or missing /v1 tokens per client (see limitAuth). Nil: no limit.
	SignupLimit, AuthLimit *ratelimit.Limiter
	// SlackSigningSecret turns the Slack app on (slack.go): the
	// endpoints under /slack/ check every request against it
	// (HERALD_SLACK_SIGNING_SECRET). Empty: they answer 404.
	SlackSigningSecret string
	// SlackResponses is the host policy of the response_url a button's
	// answer is posted to (Slack's hooks hosts and
	// HERALD_SLACK_WEBHOOK_HOSTS). Nil: no answer is posted.
	SlackResponses *egress.Hosts

	// Emit records an event for the outgoing webhooks (subscriber.confirmed,
	// subscriber.unsubscribed from the reader's pages). Nil: none.
	Emit func(ctx context.Context, typ, key string, data any)

	// CheckWebhook refuses a team's webhook URL that the host policy does
	// not allow (POST and PATCH /v1/subscribers). Nil: the store's checks only.
	CheckWebhook func(raw string) error

	// Feeds are the registered feeds (/v1/feeds). Nil: those routes 503.
	Feeds Feeds

	// WebVersion renders the page of a message's web version from its
	// signed token (GET /m/{token}); it fails with ErrVersionGone once the
	// stories have expired, or a subscribers token error. Nil: 404.
	WebVersion func(ctx context.Context, token string) ([]byte, error)

	// Operators are the console's operators and sessions (admin.go). Nil:
	// nobody can sign in to /admin.
	Operators *operators.Store
	// LoginLimit and LoginAccountLimit count failed console sign-ins per
	// client and per account. Nil: made from LoginClientRate and
	// LoginAccountRate under KeyPrefix.
	LoginLimit, LoginAccountLimit *ratelimit.Limiter
	// Console is what the dashboard reads besides the stores.
	Console ConsoleDeps

	// Metrics collects the counters /metrics shows. Nil: a fresh one.
	Metrics *Metrics
	// Health is the list of named dependency checks /readyz reports
	// (Redis, each SMTP relay, Slack). Nil: Redis alone.
	Health *health.Registry

	// BounceThreshold is how many hard bounces suppress an address
	// (POST /v1/bounces); default 1.
	BounceThreshold int

	Now            func() time.Time
	Logger         *slog.Logger
	MaxBodyBytes   int64 // DefaultMaxBodyBytes when 0
	MaxImportBytes int64 // DefaultMaxImportBytes when 0
}

// Server is the HTTP handler.
type Server struct {
	d       Deps
	keys    *keyring.Ring // Secret, then PreviousSecrets
	mux     *http.ServeMux
	origin  *http.CrossOriginProtection
	signups chan signupJob // see signup_work.go
	// slackHTTP posts to Slack's response URLs; nil without SlackResponses.
	slackHTTP  *http.Client
	slackPosts sync.WaitGroup // response_url posts in flight
	topics     topicCache     // built topic pages and feeds (topiccache.go)
}

// New returns the HTTP handler for d.
func New(d Deps) *Server {
	d = withDefaults(d)
	s := &Server{d: d, keys: keyring.New(d.Secret, d.PreviousSecrets...), mux: http.NewServeMux(),
		origin: http.NewCrossOriginProtection(), signups: make(chan signupJob, d.SignupQueue)}
	if o := originOf(d.BaseURL); o != "" {
		_ = s.origin.AddTrustedOrigin(o) // a proxy may rewrite Host
	}
	if d.SlackResponses != nil {
		s.slackHTTP = d.SlackResponses.Client(slackRespondTimeout)
	}
	s.routes()
	return s
}

func withDefaults(d Deps) Deps {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if d.MaxImportBytes <= 0 {
		d.MaxImportBytes = DefaultMaxImportBytes
	}
	if d.BounceThreshold <= 0 {
		d.BounceThreshold = 1
	}
	d = withSignupDefaults(d)
	if d.Metrics == nil {
		d.Metrics = NewMetrics()
	}
	if d.Health == nil && d.RDB != nil {
		d.Health = defaultHealth(d)
	}
	if d.Ingest == nil && d.Stories != nil {
		d.Ingest = d.Stories.Put
	}
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	return withLoginLimits(d)
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.d.Metrics.Handler(backlog{s}))
	s.mux.Handle("/v1/", s.api())

	s.mux.HandleFunc("GET /u/{token}", s.unsubscribePage)
	s.mux.HandleFunc("POST /u/{token}", s.limit(s.unsubscribe))
	s.mux.HandleFunc("GET /c/{token}", s.confirmPage)
	s.mux.HandleFunc("POST /c/{token}", s.limit(s.confirm))
	s.mux.HandleFunc("GET /p/{token}", s.preferencesPage)
	s.mux.HandleFunc("GET /m/{token}", s.webVersion)
	s.mux.HandleFunc("POST /p/{token}", s.limit(s.savePreferences))
	s.mux.HandleFunc("GET /f/{slug}/{token}", s.unfollowPage)
	s.mux.HandleFunc("POST /f/{slug}/{token}", s.limit(s.unfollow))
	s.mux.HandleFunc("GET /t/{slug}", s.topicPage)
	s.mux.HandleFunc("GET /t/{slug}/feed.atom", s.topicFeed)
	s.mux.Handle("/admin/", s.console())
	s.mux.Handle("GET /admin", http.RedirectHandler("/admin/", http.StatusSeeOther))
	s.mux.HandleFunc("GET /signup", s.signupPage)
	s.mux.HandleFunc("POST /signup", s.limit(s.signup))
	s.slackRoutes()
}

// limit bounds a page's form body to MaxBodyBytes (the form parser then
// fails, and the page answers as for a bad form).
func (s *Server) limit(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, s.d.MaxBodyBytes)
		h(w, r)
	}
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// baseURL is the public URL of these pages: Deps.BaseURL, or the request's
// own scheme and host.
func (s *Server) baseURL(r *http.Request) string {
	if s.d.BaseURL != "" {
		return s.d.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// originOf returns scheme://host of an absolute URL, "" for anything else.
func originOf(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || rest == "" {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	return scheme + "://" + host
}
