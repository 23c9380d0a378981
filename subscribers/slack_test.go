package subscribers_test

import (
	"context"
	"errors"
	"testing"

	"herald/subscribers"
)

func TestGetBySlackChannel(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	team := mustAdd(t, st, &subscribers.Subscriber{Kind: subscribers.KindSlack, SlackChannel: "C0ASIADESK", Topics: []string{"japan"}})
	mustAdd(t, st, &subscribers.Subscriber{Kind: subscribers.KindSlack, WebhookURL: "https://hooks.slack.com/services/T/B/X"})
	got, err := st.GetBySlackChannel(ctx, "C0ASIADESK")
	if err != nil || got.ID != team.ID || got.SlackChannel != "C0ASIADESK" {
		t.Fatalf("GetBySlackChannel = %+v, %v; want team %s", got, err, team.ID)
	}
	for _, channel := range []string{"C0NOBODY00", "", "c0asiadesk"} {
		if _, err := st.GetBySlackChannel(ctx, channel); !errors.Is(err, subscribers.ErrNotFound) {
			t.Errorf("GetBySlackChannel(%q) = %v, want ErrNotFound", channel, err)
		}
	}
	if err := st.Remove(ctx, team.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetBySlackChannel(ctx, "C0ASIADESK"); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("GetBySlackChannel after Remove = %v, want ErrNotFound", err)
	}
}
