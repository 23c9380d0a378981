package web

import (
	"context"
	"strings"
	"testing"

	"herald/subscribers"
)

// The generic bounce webhook: a hard bounce suppresses past the threshold,
// a soft one is only noted, a complaint unsubscribes and suppresses.
func TestBounceWebhook(t *testing.T) {
	f := newFixture(t)
	f.addSub(reader("hard", "hard@example.com", "japan"))
	f.addSub(reader("soft", "soft@example.com", "japan"))
	f.addSub(reader("angry", "angry@example.com", "japan"))
	body := `{"events":[
		{"type":"bounce","email":"Hard@Example.com","hard":true,"reason":"550 5.1.1 user unknown"},
		{"type":"bounce","email":"soft@example.com","reason":"452 mailbox full"},
		{"type":"complaint","email":"angry@example.com"},
		{"type":"complaint","email":"stranger@example.com"},
		{"type":"bounce","email":"nobody@example.com","hard":true},
		{"type":"opened","email":"soft@example.com"},
		{"type":"bounce","email":"not an address","hard":true}]}`
	r := f.api("POST", "/v1/bounces", body)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	for _, want := range []string{
		`{"index":0,"status":"suppressed"}`, `{"index":1,"status":"noted"}`, `{"index":2,"status":"unsubscribed"}`,
		`{"index":3,"status":"unsubscribed"}`, `{"index":4,"status":"unknown"}`, `"index":5,"status":"rejected"`, `"index":6,"status":"rejected"`,
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("results lack %s: %s", want, r.Body)
		}
	}
	if s := f.getSub("hard"); s.Status != subscribers.StatusBounced || !strings.Contains(s.LastError, "user unknown") || f.isDue("hard") {
		t.Errorf("hard bounce: status %s, last error %q, due %v", s.Status, s.LastError, f.isDue("hard"))
	}
	if s := f.getSub("soft"); s.Status != subscribers.StatusActive || s.Bounces != 0 {
		t.Errorf("soft bounce changed the subscriber: %+v", s)
	}
	if s := f.getSub("angry"); s.Status != subscribers.StatusUnsubscribed {
		t.Errorf("complaint: status %s", s.Status)
	}
	ctx := context.Background()
	for email, reason := range map[string]string{"hard@example.com": "bounced: 550", "angry@example.com": "complaint", "stranger@example.com": "complaint"} {
		if s, err := f.subs.Suppressed(ctx, email); err != nil || s == nil || !strings.HasPrefix(s.Reason, reason) {
			t.Errorf("%s: suppression %+v (%v), want %q", email, s, err, reason)
		}
	}
	wantError(t, f.api("POST", "/v1/bounces", `{"events":[]}`), 422, CodeInvalid, "events")
	wantError(t, f.do("POST", "/v1/bounces", body), 401, CodeUnauthorized, "")
}
