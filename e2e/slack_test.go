package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/subscribers"
)

// Scenario 7: Slack answers 429 with Retry-After: 1 to the first posts.
// Twenty instant team channels each get one alert per story (three each);
// every alert is posted once, and in each channel in digest order.
func TestScenario7SlackRateLimited(t *testing.T) {
	needFull(t)
	const teams, limited = 20, 10
	r := newRig(t, false)
	api := &slackAPI{limitFirst: limited}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	heads := r.seedStories("Asia Desk", 3)
	order := []string{heads[2], heads[1], heads[0]} // newest published first
	channels := r.seedTeams(teams, "asia-desk")
	h := r.herald("main", "HERALD_SLACK_TOKEN=xoxb-e2e-test", "HERALD_SLACK_API_URL="+srv.URL+"/")
	r.waitSettled(2 * time.Minute)
	h.stop()

	o, disorder := api.check(channels, order)
	report(t, "7 slack-429", o)
	if o.lost != 0 || o.duplicates != 0 {
		t.Errorf("lost %d, duplicates %d of %d alerts: want each posted once", o.lost, o.duplicates, teams*len(order))
	}
	for _, d := range disorder {
		t.Error(d)
	}
	if got := api.limitedCount(); got != limited {
		t.Errorf("%d posts answered 429, want %d", got, limited)
	}
}

// seedTeams adds n instant Slack teams following slug, signed up an hour
// before r.now and due now. It returns their channel IDs.
func (r *rig) seedTeams(n int, slug string) []string {
	r.t.Helper()
	signup := r.now.Add(-time.Hour)
	st := subscribers.NewStore(r.rdb, prefix, func() time.Time { return signup })
	chans := make([]string, n)
	for i := range chans {
		chans[i] = fmt.Sprintf("C%07d", i)
	}
	r.parallelAdd(st, n, func(i int) *subscribers.Subscriber {
		return &subscribers.Subscriber{ID: "team-" + chans[i], Kind: subscribers.KindSlack, SlackChannel: chans[i], Name: "Team " + chans[i],
			TimeZone: "UTC", Schedule: "instant", Status: subscribers.StatusActive, Topics: []string{slug}}
	})
	ctx := context.Background()
	for _, c := range chans { // as an instant alert does when a story lands
		if err := st.MarkDue(ctx, "team-"+c, r.now.Add(-time.Minute)); err != nil {
			r.t.Fatalf("mark %s due: %v", c, err)
		}
	}
	return chans
}

// slackAPI is a recording chat.postMessage endpoint that answers 429 with
// Retry-After: 1 to its first limitFirst posts, and auth.test with ok.
type slackAPI struct {
	limitFirst int

	mu      sync.Mutex
	calls   int
	limited int
	posts   []slackPost // accepted, in arrival order
}

type slackPost struct {
	channel, text string
}

func (s *slackAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/auth.test") { // herald checks its token at start, as Slack answers it
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true,"team":"E2E","user":"herald","team_id":"T0E2E","user_id":"U0E2E"}`)
		return
	}
	if !strings.HasSuffix(r.URL.Path, "/chat.postMessage") {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	w.Header().Set("Content-Type", "application/json")
	if s.take() {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
		return
	}
	s.mu.Lock()
	s.posts = append(s.posts, slackPost{channel: form.Get("channel"), text: form.Get("text")})
	s.mu.Unlock()
	_, _ = fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"%d.000100"}`, form.Get("channel"), time.Now().UnixMicro())
}

// take counts a call and says whether to rate-limit it.
func (s *slackAPI) take() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls <= s.limitFirst {
		s.limited++
		return true
	}
	return false
}

func (s *slackAPI) limitedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// check counts the posts per channel against order (the headlines each
// channel should get, in this order) and describes any channel whose posts
// came out of order.
func (s *slackAPI) check(channels, order []string) (outcome, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byChannel := map[string][]int{} // channel -> index in order of each post
	for _, p := range s.posts {
		byChannel[p.channel] = append(byChannel[p.channel], headlineIndex(p.text, order))
	}
	var o outcome
	var disorder []string
	for _, c := range channels {
		got := byChannel[c]
		seen := map[int]int{}
		for _, i := range got {
			seen[i]++
		}
		for i := range order {
			switch n := seen[i]; {
			case n == 0:
				o.lost++
			default:
				o.sent++
				o.duplicates += n - 1
			}
		}
		for k := 1; k < len(got); k++ {
			if got[k] <= got[k-1] {
				disorder = append(disorder, fmt.Sprintf("channel %s: posts came as story positions %v, want %v in order", c, got, len(order)))
				break
			}
		}
	}
	return o, disorder
}

// headlineIndex is the position in order of the headline text mentions,
// -1 for none.
func headlineIndex(text string, order []string) int {
	for i, h := range order {
		if strings.Contains(text, h) {
			return i
		}
	}
	return -1
}
