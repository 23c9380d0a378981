package app_test

import (
	"context"
	"errors"
	"testing"

	"herald/internal/smtptest"
	"herald/subscribers"
)

// "run --once" without HERALD_SLACK_TOKEN holds the team (active, no
// attempt counted) while the email reader is sent; a team that an earlier
// run did mark failing comes back with Resume, its cursor kept.
func TestRunWithoutSlackTokenKeepsTeamsActive(t *testing.T) {
	sink := smtptest.Start(t)
	a, _, subs := newDueApp(t, sink.Addr())
	ctx := context.Background()
	chans, err := a.OpenChannels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer chans.Close()
	st, err := a.Runner(chans.ByKind).RunOnce(ctx)
	if err != nil || st.Sent != 1 || st.Held != 1 || st.Permanent != 0 {
		t.Fatalf("run: %+v, %v; want the reader sent and the team held", st, err)
	}
	team, err := a.Subs.Get(ctx, subs[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if team.Status != subscribers.StatusActive || team.Attempts != 0 {
		t.Fatalf("team after a run without the token: %s, %d attempts; want active, 0", team.Status, team.Attempts)
	}

	team.Status = subscribers.StatusFailing // as an older run left it
	if err := a.Subs.Update(ctx, team); err != nil {
		t.Fatal(err)
	}
	got, changed, err := a.Resume(ctx, subscribers.KindSlack, team.ID)
	if err != nil || !changed || got.Status != subscribers.StatusActive || got.NextDue.IsZero() {
		t.Fatalf("resume: %+v changed=%v %v; want active and due", got, changed, err)
	}
	if _, changed, err := a.Resume(ctx, subscribers.KindSlack, team.ID); err != nil || changed {
		t.Errorf("second resume: changed=%v %v; want no change", changed, err)
	}
	if _, _, err := a.Resume(ctx, subscribers.KindEmail, team.ID); err == nil {
		t.Error("resume as the wrong kind succeeded")
	}
	reader := subs[0]
	reader.Status = subscribers.StatusUnsubscribed
	if err := a.Subs.Update(ctx, reader); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Resume(ctx, subscribers.KindEmail, reader.Email); err == nil || errors.Is(err, context.Canceled) {
		t.Error("an operator resumed an unsubscribed reader")
	}
}
