// Package operators keeps the console's operators (an email and a bcrypt
// hash of a password) and their signed-in sessions in Redis. The CLI
// (herald admins add, list, remove) keeps operators; the console checks
// passwords and keeps sessions. A session is a random token in the operator's cookie;
// Redis holds only its SHA-256, with an expiry, so a copy of the database
// signs nobody in.
package operators

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"herald/internal/rediscluster"
)

// MinPassword is the shortest password Add accepts, in bytes; bcrypt reads
// at most MaxPassword.
const (
	MinPassword = 12
	MaxPassword = 72
)

var (
	// ErrBadLogin says the email or the password is wrong (which one is
	// not told).
	ErrBadLogin = errors.New("operators: wrong email or password")
	// ErrNoSession says a session token is unknown or expired.
	ErrNoSession = errors.New("operators: no such session")
)

// Store is the operators and their sessions.
type Store struct {
	rdb  redis.UniversalClient
	keys keys
	now  func() time.Time
	cost int
	// dummy is a hash at cost that Check compares against when the
	// operator does not exist, so a wrong email takes as long as a wrong
	// password. Made on first use.
	dummy func() []byte
}

// New returns the store under prefix; now is the clock (time.Now when nil).
func New(rdb redis.UniversalClient, prefix string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	st := &Store{rdb: rdb, keys: keys{prefix: prefix}, now: now}
	st.SetCost(bcrypt.DefaultCost)
	return st
}

// SetCost changes bcrypt's cost (tests use bcrypt.MinCost).
func (st *Store) SetCost(cost int) {
	st.cost = cost
	st.dummy = sync.OnceValue(func() []byte {
		h, _ := bcrypt.GenerateFromPassword([]byte("no such operator, no such password"), cost)
		return h
	})
}

// Add stores the operator email with password, replacing the password of
// an operator already there; created reports a new operator.
func (st *Store) Add(ctx context.Context, email, password string) (created bool, err error) {
	if err := checkEmail(email); err != nil {
		return false, err
	}
	if err := checkPassword(password); err != nil {
		return false, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), st.cost)
	if err != nil {
		return false, fmt.Errorf("operators: hash: %w", err)
	}
	key := st.keys.operator(email)
	fresh, err := st.rdb.HSetNX(ctx, key, "created_at", strconv.FormatInt(st.now().UnixMilli(), 10)).Result()
	if err == nil {
		err = st.rdb.HSet(ctx, key, "hash", string(hash), "gen", randomToken()).Err()
	}
	if err != nil {
		return false, fmt.Errorf("operators: add %s: %w", email, err)
	}
	return fresh, nil
}

func checkEmail(email string) error {
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || strings.ContainsAny(email, "{}") {
		return fmt.Errorf("operators: email %q: not an address such as editor@example.com", email)
	}
	return nil
}

func checkPassword(p string) error {
	if len(p) < MinPassword || len(p) > MaxPassword {
		return fmt.Errorf("operators: password: must be %d to %d bytes long (got %d)", MinPassword, MaxPassword, len(p))
	}
	return nil
}

// Check verifies email and password: nil, ErrBadLogin, or a Redis error.
func (st *Store) Check(ctx context.Context, email, password string) error {
	hash, err := st.rdb.HGet(ctx, st.keys.operator(email), "hash").Result()
	if errors.Is(err, redis.Nil) {
		_ = bcrypt.CompareHashAndPassword(st.dummy(), []byte(password))
		return ErrBadLogin
	}
	if err != nil {
		return fmt.Errorf("operators: check: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return ErrBadLogin
	}
	return nil
}

// Exists reports whether email is an operator.
func (st *Store) Exists(ctx context.Context, email string) (bool, error) {
	n, err := st.rdb.Exists(ctx, st.keys.operator(email)).Result()
	return n == 1, err
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// StartSession signs the operator email in for ttl and returns the
// cookie's token. The session names the operator's password generation, so
// setting a new password (Add) ends every session of the old one.
func (st *Store) StartSession(ctx context.Context, email string, ttl time.Duration) (string, error) {
	email = strings.ToLower(email)
	gen, err := st.rdb.HGet(ctx, st.keys.operator(email), "gen").Result()
	if errors.Is(err, redis.Nil) {
		return "", ErrBadLogin
	}
	if err != nil {
		return "", fmt.Errorf("operators: start session: %w", err)
	}
	token := randomToken()
	if err := st.rdb.Set(ctx, st.keys.session(TokenID(token)), email+"\n"+gen, ttl).Err(); err != nil {
		return "", fmt.Errorf("operators: start session: %w", err)
	}
	return token, nil
}

// Session returns the operator signed in with token, or ErrNoSession (also
// once the operator's password has changed or the operator is gone).
func (st *Store) Session(ctx context.Context, token string) (string, error) {
	if token == "" || len(token) > 64 {
		return "", ErrNoSession
	}
	v, err := st.rdb.Get(ctx, st.keys.session(TokenID(token))).Result()
	if errors.Is(err, redis.Nil) {
		return "", ErrNoSession
	}
	if err != nil {
		return "", fmt.Errorf("operators: session: %w", err)
	}
	email, gen, _ := strings.Cut(v, "\n")
	now, err := st.rdb.HGet(ctx, st.keys.operator(email), "gen").Result()
	if errors.Is(err, redis.Nil) || err == nil && now != gen {
		return "", ErrNoSession
	}
	if err != nil {
		return "", fmt.Errorf("operators: session: %w", err)
	}
	return email, nil
}

// EndSession signs token out.
func (st *Store) EndSession(ctx context.Context, token string) error {
	return st.rdb.Del(ctx, st.keys.session(TokenID(token))).Err()
}

// TokenID is the name a session token is stored under (and that forms of
// the session are bound to): its SHA-256 in hex.
func TokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ErrNotFound says there is no such operator.
var ErrNotFound = errors.New("operators: no such operator")

// Remove deletes the operator email, which ends every session of theirs:
// a session is only good while its operator's password generation is
// stored (Session), and a new Add makes a new one. The session keys
// themselves expire on their own.
func (st *Store) Remove(ctx context.Context, email string) error {
	n, err := st.rdb.Del(ctx, st.keys.operator(email)).Result()
	if err != nil {
		return fmt.Errorf("operators: remove %s: %w", email, err)
	}
	if n == 0 {
		return fmt.Errorf("operators: remove %s: %w", email, ErrNotFound)
	}
	return nil
}

// Operator is one operator as List shows it.
type Operator struct {
	Email     string
	CreatedAt time.Time
}

// List returns every operator, sorted by email. It scans the keyspace (on
// every master of a cluster): a command for the CLI, not for a page.
func (st *Store) List(ctx context.Context) ([]Operator, error) {
	keys, err := rediscluster.ScanAll(ctx, st.rdb, st.keys.operatorPattern())
	if err != nil {
		return nil, fmt.Errorf("operators: list: %w", err)
	}
	out := make([]Operator, 0, len(keys))
	for _, k := range keys {
		ms, err := st.rdb.HGet(ctx, k, "created_at").Int64()
		if errors.Is(err, redis.Nil) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("operators: list: %w", err)
		}
		out = append(out, Operator{Email: st.keys.emailOf(k), CreatedAt: time.UnixMilli(ms).UTC()})
	}
	return out, nil
}
