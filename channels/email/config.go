package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"herald/digest"
)

// TLSMode is how the connection to the SMTP server is secured.
type TLSMode string

const (
	TLSNone     TLSMode = "none"     // plain text (a local sink such as mailpit)
	TLSStartTLS TLSMode = "starttls" // STARTTLS, mandatory; the default
	TLSImplicit TLSMode = "tls"      // TLS from the first byte (SMTPS)
)

// Defaults applied by New for zero Config fields.
const (
	DefaultPoolSize   = 4
	DefaultTimeout    = 30 * time.Second
	DefaultMaxRetries = 3
)

// DefaultPort is the port used when a URL or Config names none.
func (m TLSMode) DefaultPort() int {
	switch m {
	case TLSNone:
		return 25
	case TLSImplicit:
		return 465
	default:
		return 587
	}
}

func (m TLSMode) valid() bool {
	return m == TLSNone || m == TLSStartTLS || m == TLSImplicit
}

// Config configures a Sender. Zero fields take the defaults noted.
type Config struct {
	Host     string
	Port     int // default TLS.DefaultPort()
	Username string
	Password string // a secret: never in errors or logs; see Redacted
	TLS      TLSMode
	// TLSConfig overrides the TLS client settings (a private CA, tests);
	// ServerName defaults to Host.
	TLSConfig *tls.Config

	From     digest.Address
	HeloName string // EHLO name; default the machine's host name
	// Hostname is the right-hand side of Message-IDs; default the domain of
	// From.Email.
	Hostname string

	PoolSize      int           // persistent connections at most; default 4
	RatePerSecond float64       // messages a second over all connections; 0 = unlimited
	Timeout       time.Duration // per dial and per SMTP exchange; default 30s
	// MaxRetries is how many times Send retries a temporary failure before
	// returning it to the caller; default 3, negative for none.
	MaxRetries int

	// Backoff is the pause before retry attempt (0-based); default
	// 1s·2^attempt with jitter, at most 30s.
	Backoff func(attempt int) time.Duration
	// EightBit sends bodies 8bit, as they are, to a server that announces
	// 8BITMIME (RFC 6152), rather than quoted-printable: no encoding pass
	// and shorter messages. A body that cannot go 8bit (a line over 998
	// bytes that cannot be folded, a NUL, a bare CR) still goes
	// quoted-printable. The bytes sent then differ from WriteMessage's
	// (the outbox's) in their transfer encoding only. Off in a zero
	// Config; ParseURL turns it on unless the URL says 8bit=false.
	EightBit bool
	// EightBitSigned sends DKIM-signed messages 8bit too. Without it a
	// signed message goes quoted-printable: a relay further on that
	// cannot take 8bit would re-encode the body and break its signature,
	// while a quoted-printable body reaches any server unchanged.
	// ParseURL sets it for 8bit=true.
	EightBitSigned bool
	// Chunking sends each message as one BDAT chunk (RFC 3030) to a
	// server announcing CHUNKING and PIPELINING, written with its MAIL and
	// RCPT: one round trip a message rather than two, no dot-stuffing, and
	// a server that reads the message in bulk rather than scanning it for
	// its end. A server without them gets DATA. Off in a zero Config;
	// ParseURL turns it on unless the URL says chunking=false.
	Chunking bool
	// DKIM, when set, signs every message (see dkim.go); nil sends them
	// unsigned.
	DKIM *DKIM

	// Sleep waits d or until ctx ends; injectable for tests.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock of the rate limiter; default time.Now.
	Now func() time.Time
}

// ParseURL reads smtp://user:pass@host:port?tls=none|starttls|tls (also
// smtps://, which means tls=tls). The user and password are percent-decoded.
// Other query parameters: helo=NAME, pool=N, rate=PER_SECOND, timeout=30s,
// 8bit=auto|true|false (see Config.EightBit: auto, the default, sends
// unsigned messages 8bit to a server announcing 8BITMIME and signed ones
// quoted-printable; true sends signed ones 8bit too; false never),
// chunking=true|false (see Config.Chunking; true, the default, sends BDAT
// to a server announcing CHUNKING).
// Errors never contain the password.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the raw URL, password and all
		}
		return Config{}, fmt.Errorf("email: SMTP URL: %w", err)
	}
	cfg, err := configFromURL(u)
	if err != nil {
		return Config{}, fmt.Errorf("email: SMTP URL %s: %w", u.Redacted(), err)
	}
	return cfg, nil
}

func configFromURL(u *url.URL) (Config, error) {
	cfg := Config{EightBit: true, Chunking: true}
	switch u.Scheme {
	case "smtp":
		cfg.TLS = TLSStartTLS
	case "smtps":
		cfg.TLS = TLSImplicit
	default:
		return cfg, fmt.Errorf("scheme %q: want smtp or smtps", u.Scheme)
	}
	cfg.Host = u.Hostname()
	if cfg.Host == "" {
		return cfg, errors.New("host is empty")
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	if err := applyQuery(&cfg, u.Scheme, u.Query()); err != nil {
		return cfg, err
	}
	return cfg, applyPort(&cfg, u.Port())
}

func applyPort(cfg *Config, port string) error {
	if port == "" {
		cfg.Port = cfg.TLS.DefaultPort()
		return nil
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("port %q: want 1-65535", port)
	}
	cfg.Port = p
	return nil
}

func applyQuery(cfg *Config, scheme string, q url.Values) error {
	for key, vals := range q {
		if err := applyParam(cfg, scheme, key, vals[len(vals)-1]); err != nil {
			return err
		}
	}
	return nil
}

func applyEightBit(cfg *Config, val string) error {
	if val == "auto" {
		cfg.EightBit, cfg.EightBitSigned = true, false
		return nil
	}
	on, err := strconv.ParseBool(val)
	if err != nil {
		return fmt.Errorf("8bit: %w", errors.New("want auto, true or false"))
	}
	cfg.EightBit, cfg.EightBitSigned = on, on
	return nil
}

func applyParam(cfg *Config, scheme, key, val string) error {
	var err error
	switch key {
	case "tls":
		cfg.TLS = TLSMode(strings.ToLower(val))
		if !cfg.TLS.valid() || (scheme == "smtps" && cfg.TLS != TLSImplicit) {
			return fmt.Errorf("tls=%q: want none, starttls or tls (smtps:// means tls)", val)
		}
	case "helo":
		cfg.HeloName = val
	case "pool":
		cfg.PoolSize, err = strconv.Atoi(val)
	case "rate":
		cfg.RatePerSecond, err = strconv.ParseFloat(val, 64)
	case "timeout":
		cfg.Timeout, err = time.ParseDuration(val)
	case "8bit":
		err = applyEightBit(cfg, val)
	case "chunking":
		cfg.Chunking, err = strconv.ParseBool(val)
	default:
		return fmt.Errorf("unknown parameter %q (known: tls, helo, pool, rate, timeout, 8bit, chunking)", key)
	}
	if err != nil {
		return fmt.Errorf("%s=%q: %w", key, val, errors.Unwrap(err))
	}
	return nil
}

// Redacted is the configuration as a URL with the password shown as xxxxx,
// fit for logs and error messages.
func (c Config) Redacted() string {
	u := url.URL{Scheme: "smtp", Host: c.addr(), RawQuery: "tls=" + string(c.TLS)}
	if c.Username != "" || c.Password != "" {
		u.User = url.UserPassword(c.Username, c.Password)
		if c.Password == "" {
			u.User = url.User(c.Username)
		}
	}
	return u.Redacted()
}

func (c Config) addr() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		c.Port = c.TLS.DefaultPort()
	}
	if c.PoolSize == 0 {
		c.PoolSize = DefaultPoolSize
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.Hostname == "" {
		c.Hostname = domainOf(c.From.Email)
	}
	return c.withFuncDefaults()
}

func (c Config) withFuncDefaults() Config {
	if c.Backoff == nil {
		c.Backoff = DefaultBackoff
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// validate reports the first bad field by name. It runs after withDefaults.
func (c Config) validate() error {
	switch {
	case c.Host == "":
		return errors.New("field Host: empty")
	case c.Port < 1 || c.Port > 65535:
		return fmt.Errorf("field Port: %d, want 1-65535", c.Port)
	case !c.TLS.valid():
		return fmt.Errorf("field TLS: %q, want none, starttls or tls", c.TLS)
	case c.Password != "" && c.Username == "":
		return errors.New("field Username: empty but Password is set")
	case c.PoolSize < 0:
		return fmt.Errorf("field PoolSize: %d, want 1 or more", c.PoolSize)
	case c.RatePerSecond < 0:
		return fmt.Errorf("field RatePerSecond: %v, want 0 (unlimited) or more", c.RatePerSecond)
	case c.Timeout < 0:
		return fmt.Errorf("field Timeout: %v, want more than 0", c.Timeout)
	}
	return validateAddress("From", c.From)
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}
