package slack_test

import (
	"context"
	"strings"
	"testing"
)

// A digest's replies go in the thread of its first message, by the ts the
// API returned for it; a webhook, which cannot thread, gets them in order
// without Herald's marker.
func TestRepliesPostInTheParentsThread(t *testing.T) {
	parent := `{"text":"Herald digest: Lead and 2 more","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"parent"}}]}`
	reply := `{"text":"Herald digest: Lead and 2 more","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"stories"}}],"herald_reply":true}`
	f := newFixture(t, okAPI, nil)
	if err := f.sender.Send(context.Background(), channelMsg("m1", "C0TEAM", parent, reply, reply)); err != nil {
		t.Fatal(err)
	}
	reqs := f.rec.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d posts, want 3", len(reqs))
	}
	for i, r := range reqs {
		want := ""
		if i > 0 {
			want = "1700000000.000100"
		}
		if got := r.Form.Get("thread_ts"); got != want {
			t.Errorf("post %d: thread_ts = %q, want %q", i, got, want)
		}
	}
	w := newFixture(t, webhookOK, nil)
	if err := w.sender.Send(context.Background(), webhookMsg("m2", w.rec.webhookURL(), parent, reply)); err != nil {
		t.Fatal(err)
	}
	for i, r := range w.rec.requests() {
		if strings.Contains(string(r.Body), "herald_reply") {
			t.Errorf("webhook post %d carries Herald's marker: %s", i, r.Body)
		}
	}
}
