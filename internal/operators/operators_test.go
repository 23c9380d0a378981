package operators_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"herald/internal/operators"
	"herald/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

func newStore(t *testing.T) (*operators.Store, string) {
	rdb, prefix := redistest.Client(t)
	st := operators.New(rdb, prefix, nil)
	st.SetCost(bcrypt.MinCost)
	return st, prefix
}

func TestAddAndCheck(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	created, err := st.Add(ctx, "editor@example.com", "a long enough password")
	if err != nil || !created {
		t.Fatalf("add: %v %v", created, err)
	}
	if err := st.Check(ctx, "editor@example.com", "a long enough password"); err != nil {
		t.Errorf("right password: %v", err)
	}
	for _, bad := range [][2]string{{"editor@example.com", "wrong password!!"}, {"nobody@example.com", "a long enough password"}} {
		if err := st.Check(ctx, bad[0], bad[1]); !errors.Is(err, operators.ErrBadLogin) {
			t.Errorf("Check(%q): %v, want ErrBadLogin", bad[0], err)
		}
	}
	if created, err := st.Add(ctx, "editor@example.com", "another long password"); err != nil || created {
		t.Fatalf("second add: created %v, %v; want a new password", created, err)
	}
	if err := st.Check(ctx, "editor@example.com", "another long password"); err != nil {
		t.Errorf("new password: %v", err)
	}
}

func TestAddRefusesBadInput(t *testing.T) {
	st, _ := newStore(t)
	for _, tc := range []struct{ email, password, field string }{
		{"not-an-address", "a long enough password", "email"},
		{"Ana <ana@example.com>", "a long enough password", "email"},
		{"ana@example.com", "short", "password"},
		{"ana@example.com", strings.Repeat("x", 73), "password"},
	} {
		if _, err := st.Add(context.Background(), tc.email, tc.password); err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("Add(%q, %d bytes): %v, want an error naming %s", tc.email, len(tc.password), err, tc.field)
		}
	}
}

// A session lives in Redis under a hash of its token, with an expiry, and
// ends on EndSession.
func TestSessions(t *testing.T) {
	st, prefix := newStore(t)
	ctx := context.Background()
	if _, err := st.Add(ctx, "editor@example.com", "a long enough password"); err != nil {
		t.Fatal(err)
	}
	token, err := st.StartSession(ctx, "Editor@example.com", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if email, err := st.Session(ctx, token); err != nil || email != "editor@example.com" {
		t.Fatalf("session: %q %v", email, err)
	}
	if strings.Contains(operators.TokenID(token), token) || prefix == "" {
		t.Fatal("token stored in clear")
	}
	if err := st.EndSession(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Session(ctx, token); !errors.Is(err, operators.ErrNoSession) {
		t.Errorf("after EndSession: %v, want ErrNoSession", err)
	}
}

// A new password ends the sessions started with the old one; a session
// is only for an operator.
func TestNewPasswordEndsSessions(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	if _, err := st.Add(ctx, "editor@example.com", "a long enough password"); err != nil {
		t.Fatal(err)
	}
	token, err := st.StartSession(ctx, "editor@example.com", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Add(ctx, "editor@example.com", "another long password"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Session(ctx, token); !errors.Is(err, operators.ErrNoSession) {
		t.Errorf("old session after a new password: %v, want ErrNoSession", err)
	}
	if _, err := st.StartSession(ctx, "nobody@example.com", time.Hour); !errors.Is(err, operators.ErrBadLogin) {
		t.Errorf("session for a non-operator: %v, want ErrBadLogin", err)
	}
}
