package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"

	"github.com/wneessen/go-mail"

	"herald/digest"
)

var _ digest.Channel = (*Sender)(nil)

// Sender delivers email messages over SMTP through a bounded pool of
// persistent connections. It is safe for concurrent use; each connection is
// used by one Send at a time.
type Sender struct {
	cfg  Config
	opts []mail.Option // go-mail client settings, shared by every dial
	// client holds the settings SendWithSMTPClient reads; it never dials
	// and never sends on a connection of its own.
	client *mail.Client
	tls    *tls.Config
	log    *slog.Logger
	rate   *limiter
	pool   *pool
	// has8bit and hasChunking say the last connection made announced
	// 8BITMIME and CHUNKING.
	has8bit, hasChunking atomic.Bool
}

// New checks cfg, fills its defaults and returns a Sender. It does not
// connect; see Check. A nil logger discards.
func New(cfg Config, logger *slog.Logger) (*Sender, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("email: config: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Sender{cfg: cfg, tls: tlsConfig(cfg), log: logger,
		rate: newLimiter(cfg.RatePerSecond, cfg.Now), pool: newPool(cfg.PoolSize)}
	s.opts = s.clientOptions()
	client, err := mail.NewClient(cfg.Host, s.opts...)
	if err != nil {
		return nil, fmt.Errorf("email: client for %s: %w", cfg.Redacted(), err)
	}
	s.client = client
	s.warnPlainAuth()
	return s, nil
}

func tlsConfig(cfg Config) *tls.Config {
	if cfg.TLSConfig == nil {
		return &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	}
	tc := cfg.TLSConfig.Clone()
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	return tc
}

// clientOptions maps Config onto go-mail. STARTTLS is mandatory in
// starttls mode and never tried in none mode; implicit TLS is dialled by
// dialFunc. Authentication prefers PLAIN, then LOGIN; over tls=none they
// may send the password in the clear, which the user asked for.
func (s *Sender) clientOptions() []mail.Option {
	cfg := s.cfg
	opts := []mail.Option{mail.WithPort(cfg.Port), mail.WithTimeout(cfg.Timeout), mail.WithTLSConfig(s.tls)}
	if cfg.TLS == TLSStartTLS {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if cfg.HeloName != "" {
		opts = append(opts, mail.WithHELO(cfg.HeloName))
	}
	if cfg.Username == "" {
		return opts
	}
	mechs := []mail.SMTPAuthType{mail.SMTPAuthPlain, mail.SMTPAuthLogin}
	if cfg.TLS == TLSNone {
		mechs = []mail.SMTPAuthType{mail.SMTPAuthPlainNoEnc, mail.SMTPAuthLoginNoEnc}
	}
	return append(opts, mail.WithOpportunisticSMTPAuth(mechs...),
		mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
}

func (s *Sender) warnPlainAuth() {
	if s.cfg.TLS != TLSNone || s.cfg.Username == "" {
		return
	}
	if ip := net.ParseIP(s.cfg.Host); s.cfg.Host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return
	}
	s.log.Warn("email: SMTP password will cross the network unencrypted (tls=none)",
		slog.String("smtp_server", s.cfg.addr()))
}

// Send delivers msg, retrying temporary failures up to MaxRetries times
// with Backoff pauses. A failure is a *digest.SendError: SMTP 5xx is
// permanent (Reason "smtp_<code>"); 4xx, a lost connection or a timeout is
// temporary; a message that cannot be composed is permanent
// ("invalid_message").
func (s *Sender) Send(ctx context.Context, msg *digest.Message) error {
	env, err := s.envelope(msg, s.eightBit(), s.chunking())
	if err != nil {
		return digest.Permanent(0, "invalid_message", err)
	}
	defer func() { env.free() }()
	for attempt := 0; ; attempt++ {
		env, err = s.attempt(ctx, env)
		if !s.retryable(ctx, err, attempt) {
			break
		}
		d := s.cfg.Backoff(attempt)
		s.log.Warn("email: temporary failure, retrying", slog.String("message_id", msg.ID),
			slog.String("subscriber_id", msg.SubscriberID), slog.Int("attempt", attempt+1),
			slog.Duration("backoff", d), slog.Any("error", err))
		if s.cfg.Sleep(ctx, d) != nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("email: message %s: %w", msg.ID, err)
	}
	return nil
}

// eightBit reports whether a message may go 8bit (Config.EightBit,
// Config.EightBitSigned), to the server as last seen.
func (s *Sender) eightBit() bool {
	return s.cfg.EightBit && (s.cfg.DKIM == nil || s.cfg.EightBitSigned) && s.has8bit.Load()
}

// chunking says messages are built as BDAT chunks: the Config allows it
// and the last connection made announced CHUNKING (and PIPELINING, with
// which the chunk goes with its commands).
func (s *Sender) chunking() bool {
	return s.cfg.Chunking && s.hasChunking.Load()
}

// chunks says connection c takes m as a BDAT chunk.
func (s *Sender) chunks(c *conn) bool {
	return s.cfg.Chunking && c.ext.chunks()
}

func (s *Sender) retryable(ctx context.Context, err error, attempt int) bool {
	return err != nil && digest.IsTemporary(err) && attempt < s.cfg.MaxRetries &&
		ctx.Err() == nil && !errors.Is(err, ErrClosed)
}

// attempt makes one delivery: wait for the rate, take a connection (or a
// place to dial one), send, give the connection back unless it broke.
func (s *Sender) attempt(ctx context.Context, m *envelope) (*envelope, error) {
	if err := ctx.Err(); err != nil {
		return m, digest.Temporary(0, err)
	}
	if err := s.pace(ctx); err != nil {
		return m, digest.Temporary(0, err)
	}
	c, err := s.pool.get(ctx)
	if err != nil {
		return m, digest.Temporary(0, err)
	}
	c, m, err = s.deliver(ctx, c, m)
	s.pool.put(c)
	return m, err
}

func (s *Sender) pace(ctx context.Context) error {
	if d := s.rate.reserve(); d > 0 {
		return s.cfg.Sleep(ctx, d)
	}
	return nil
}

// Check dials the server once (EHLO, STARTTLS and AUTH as configured) and
// quits: a start-up probe whose error says what was tried.
func (s *Sender) Check(ctx context.Context) error {
	c, err := s.dial(ctx)
	if err != nil {
		return fmt.Errorf("email: cannot reach SMTP server at %s (tls=%s): %w; check HERALD_SMTP_URL",
			s.cfg.addr(), s.cfg.TLS, errors.Unwrap(err))
	}
	_ = s.client.CloseWithSMTPClient(c.smtp)
	return nil
}

// Close waits for sends in progress, then quits every pooled connection.
// Send fails with ErrClosed afterwards.
func (s *Sender) Close() error {
	var errs []error
	for _, c := range s.pool.drain() {
		if err := s.client.CloseWithSMTPClient(c.smtp); err != nil {
			errs = append(errs, err)
		}
		_ = c.raw.Close()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("email: close: %w", err)
	}
	return nil
}
