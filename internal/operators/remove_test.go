package operators_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"herald/internal/operators"
)

// List shows every operator (not their sessions); Remove deletes one and
// ends their sessions, and a second Remove is ErrNotFound.
func TestListAndRemove(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	for _, email := range []string{"b@example.com", "a@example.com"} {
		if _, err := st.Add(ctx, email, "a long enough password"); err != nil {
			t.Fatal(err)
		}
	}
	token, err := st.StartSession(ctx, "b@example.com", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	list, err := st.List(ctx)
	if err != nil || len(list) != 2 || list[0].Email != "a@example.com" || list[1].Email != "b@example.com" || list[0].CreatedAt.IsZero() {
		t.Fatalf("list %+v (%v), want a@ then b@ with their creation times", list, err)
	}
	if err := st.Remove(ctx, "B@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Session(ctx, token); !errors.Is(err, operators.ErrNoSession) {
		t.Errorf("session of a removed operator: %v, want ErrNoSession", err)
	}
	if list, _ := st.List(ctx); len(list) != 1 || list[0].Email != "a@example.com" {
		t.Errorf("list after remove: %+v", list)
	}
	if err := st.Remove(ctx, "b@example.com"); !errors.Is(err, operators.ErrNotFound) {
		t.Errorf("second remove: %v, want ErrNotFound", err)
	}
}
