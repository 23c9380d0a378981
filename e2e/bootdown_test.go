package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"herald/subscribers"
)

// relayDownAtBoot is how long the relay stays down after herald starts:
// the 20 s of the hardening issue, in real time (herald runs as its own
// process, so its clock cannot be injected).
const relayDownAtBoot = 20 * time.Second

// e2eAPIToken opens the admin API of the scenario's herald.
const e2eAPIToken = "e2e-api-token-0123456789abcdef"

// Scenario 11: the SMTP relay is down when `herald serve` starts. Herald
// starts all the same: /healthz answers, /readyz names the relay as down
// (status "degraded", 200: the pages and the API still work), the API
// answers, and the due digests are held, none sent and none marked. The
// relay comes up 20 s later on the same address; every due digest is then
// delivered once, and nothing is logged as failed.
func TestScenario11SMTPDownAtBoot(t *testing.T) {
	needFull(t)
	const n = 200
	r := newRig(t, false)
	r.seedStories("Japan", 3)
	want := r.seedReaders(n) // due at once
	first := r.sink
	first.Close() // the relay is down before herald starts
	h := r.herald("main", "HERALD_API_TOKEN="+e2eAPIToken)
	boot := time.Now()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := poll(ctx, func() bool { return smtpState(h) == "degraded/down" }); err != nil {
		t.Fatalf("/readyz never named the relay down: %s: %v", smtpState(h), err)
	}
	if code := h.apiStatus("/v1/subscribers?limit=5"); code != http.StatusOK {
		t.Errorf("GET /v1/subscribers with the relay down: %d, want 200", code)
	}
	if err := poll(ctx, func() bool { return strings.Contains(h.log.String(), "digest held") }); err != nil {
		t.Fatalf("no digest held while the relay was down: %v\n%s", err, h.log.tail(20))
	}
	time.Sleep(time.Until(boot.Add(relayDownAtBoot)))
	r.checkHeld(want)
	r.startSink()
	t.Logf("SMTP up on %s %v after herald started", r.smtpAddr, time.Since(boot).Round(time.Millisecond))
	r.waitSettled(2 * time.Minute)
	if err := poll(ctx, func() bool { return smtpState(h) == "ready/up" }); err != nil {
		t.Errorf("/readyz after the relay came back: %s, want ready/up", smtpState(h))
	}
	h.stop()

	if first.Count() != 0 {
		t.Errorf("the closed sink accepted %d messages", first.Count())
	}
	rc := tally(t, r.sink)
	o := rc.outcome(want)
	report(t, "11 smtp-down-at-boot", o)
	if o.lost != 0 || o.duplicates != 0 {
		t.Errorf("lost %d, duplicates %d: want each due digest delivered once after the relay comes up", o.lost, o.duplicates)
	}
	if f := r.countResults("failed"); f != 0 {
		t.Errorf("%d deliveries logged as failed for a relay outage, want none", f)
	}
}

// checkHeld checks that, with the relay still down, nothing was sent and
// no reader was marked: each is active, due, with no attempt counted.
func (r *rig) checkHeld(addrs []string) {
	r.t.Helper()
	marked := 0
	for _, a := range addrs {
		s := r.subscriber(a)
		if s.Status != subscribers.StatusActive || s.Attempts != 0 {
			marked++
		}
	}
	if marked > 0 || r.countResults("failed") > 0 {
		r.t.Errorf("relay down: %d readers marked, %d failed deliveries; want none", marked, r.countResults("failed"))
	}
}

// smtpState is /readyz's status and the SMTP relay's state, as
// "status/state" ("degraded/down"), or what went wrong.
func smtpState(h *heraldProc) string {
	resp, err := httpClient.Get("http://" + h.addr + "/readyz")
	if err != nil {
		return "no answer"
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Checks []struct {
			Name, State string
		} `json:"checks"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		return resp.Status + ", not a JSON readiness report"
	}
	for _, c := range body.Checks {
		if strings.HasPrefix(c.Name, "smtp ") {
			return body.Status + "/" + c.State
		}
	}
	return body.Status + "/no smtp check"
}

// apiStatus is the status of an admin API GET.
func (h *heraldProc) apiStatus(path string) int {
	req, _ := http.NewRequest(http.MethodGet, "http://"+h.addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+e2eAPIToken)
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}
