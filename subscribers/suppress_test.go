package subscribers_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"herald/subscribers"
)

// An unsubscribed or bounced address is never mailed again: not after the
// subscriber is removed and added again, not after a CSV re-import, until
// the suppression is lifted explicitly.
func TestSuppressionOutlivesTheSubscriber(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	sub := mustAdd(t, st, &subscribers.Subscriber{Email: "leaver@example.com", Topics: []string{"japan"}})
	sub.Status = subscribers.StatusUnsubscribed
	if err := st.Update(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if err := st.Remove(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	again := &subscribers.Subscriber{Email: "Leaver@Example.com", Topics: []string{"japan"}}
	if err := st.Add(ctx, again); !errors.Is(err, subscribers.ErrSuppressed) || !strings.Contains(err.Error(), "unsubscribed") {
		t.Fatalf("re-adding an unsubscribed address: %v", err)
	}
	res, err := subscribers.ImportCSV(ctx, st, strings.NewReader("email,topics\nleaver@example.com,japan\nnew@example.com,japan\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 1 || len(res.Errors) != 1 || !errors.Is(res.Errors[0].Err, subscribers.ErrSuppressed) {
		t.Fatalf("import: %+v", res)
	}
	if n, _ := st.Count(ctx); n != 1 {
		t.Errorf("%d subscribers, want only the new one", n)
	}
	if lifted, err := st.Unsuppress(ctx, "leaver@example.com"); err != nil || !lifted {
		t.Fatalf("Unsuppress = %v, %v", lifted, err)
	}
	if err := st.Add(ctx, again); err != nil {
		t.Errorf("add after the override: %v", err)
	}
}

func TestSuppressedAddressCannotBeReactivated(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	if err := st.Suppress(ctx, "Complainer@example.com", "complaint"); err != nil {
		t.Fatal(err)
	}
	s, err := st.Suppressed(ctx, "complainer@EXAMPLE.com")
	if err != nil || s == nil || s.Reason != "complaint" {
		t.Fatalf("Suppressed = %+v, %v", s, err)
	}
	pending := &subscribers.Subscriber{Email: "complainer@example.com", Status: subscribers.StatusPending}
	if err := st.Add(ctx, pending); !errors.Is(err, subscribers.ErrSuppressed) {
		t.Errorf("a pending sign-up of a suppressed address: %v", err)
	}
}
