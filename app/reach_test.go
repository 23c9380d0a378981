package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"herald/channels/slack"
	"herald/digest"
	"herald/internal/reach"
	"herald/stories"
	"herald/subscribers"
	"herald/web"
)

// add stores a subscriber of kind following japan (or chess, when quiet).
func (h *harness) add(kind subscribers.Kind, who, schedule, topic string) {
	h.t.Helper()
	s := &subscribers.Subscriber{Kind: kind, TimeZone: "UTC", Schedule: schedule, Topics: []string{topic}}
	if kind == subscribers.KindEmail {
		s.Email = who
	} else {
		s.SlackChannel, s.Name = who, "Desk"
	}
	if err := h.app.Subs.Add(context.Background(), s); err != nil {
		h.t.Fatal(err)
	}
}

// consoleGet fetches a console page signed in as a fresh operator.
func (h *harness) consoleGet(path string) string {
	h.t.Helper()
	a := h.app
	a.Operators.SetCost(bcrypt.MinCost)
	if _, err := a.Operators.Add(context.Background(), "editor@example.com", "a long console password"); err != nil {
		h.t.Fatal(err)
	}
	token, err := a.Operators.StartSession(context.Background(), "editor@example.com", time.Hour)
	if err != nil {
		h.t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(web.Deps{RDB: a.RDB, Stories: a.Stories, Subs: a.Subs, Secret: []byte(a.Cfg.Secret),
		KeyPrefix: a.Cfg.RedisPrefix, Operators: a.Operators, Now: a.Now, Logger: a.Logger,
		Console: web.ConsoleDeps{Deliveries: a.Log, EmptySince: a.EmptySince, EmptyByChannel: a.EmptyByChannel}}))
	h.t.Cleanup(srv.Close)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: "herald_admin", Value: token})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %d\n%s", path, res.StatusCode, body)
	}
	return string(body)
}

// A story carried by an email digest, an email alert, a Slack digest and a
// Slack alert, all sent for real (SMTP over TCP, Slack's Web API over
// HTTP), counts once in each column of the console's topics page once the
// run has ended; a reader with nothing new counts as an empty email
// digest on the dashboard.
func TestReachOnTheTopicsPage(t *testing.T) {
	h := newHarness(t)
	api := &slackAPI{}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	team := slack.New(slack.Config{Token: "xoxb-test", APIURL: srv.URL + "/", Now: h.clock.Now,
		Sleep: func(context.Context, time.Duration) error { return nil }}, nil)
	runner := h.app.Runner(map[subscribers.Kind]digest.Channel{subscribers.KindEmail: h.email, subscribers.KindSlack: team})
	h.add(subscribers.KindEmail, "daily@example.com", "daily 07:00", "japan")
	h.add(subscribers.KindEmail, "instant@example.com", "instant", "japan")
	h.add(subscribers.KindSlack, "C0123DESK", "daily 07:00", "japan")
	h.add(subscribers.KindSlack, "C0123ALRT", "instant", "japan")
	h.add(subscribers.KindEmail, "quiet@example.com", "daily 07:00", "chess")
	h.clock.Set(time.Date(2026, 11, 28, 6, 30, 0, 0, time.UTC))
	story := &stories.Story{ID: "yen-falls", URL: "https://news.example.com/yen-falls", Headline: "Yen <falls> & Tokyo",
		Summary: "The yen fell.", PublishedAt: h.clock.Now(), Topics: []stories.Topic{{Name: "Japan"}}}
	if _, err := h.app.Ingest(context.Background(), story); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(time.Date(2026, 11, 28, 7, 0, 5, 0, time.UTC))
	st, err := runner.RunOnce(context.Background())
	if err != nil || st.Sent != 4 || st.Empty != 1 || h.smtp.Count() != 2 || api.count() != 2 {
		t.Fatalf("run %+v (%v): %d emails, %d Slack posts; want 4 sent (2 of each), 1 empty", st, err, h.smtp.Count(), api.count())
	}
	h.app.RecordRun(context.Background(), h.clock.Now(), st)

	got, err := h.app.Stories.ReachOf(context.Background(), []string{"yen-falls"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range reach.Counters {
		if got["yen-falls"][c] != 1 {
			t.Errorf("%s = %d, want 1 (all: %v)", c, got["yen-falls"][c], got)
		}
	}
	page := h.consoleGet("/admin/topics")
	want := `Yen &lt;falls&gt; &amp; Tokyo</a></td><td data-label="email digests">1</td><td data-label="email alerts">1</td><td data-label="Slack digests">1</td><td data-label="Slack alerts">1</td></tr>`
	if !strings.Contains(page, want) {
		t.Errorf("topics page lacks %q:\n%s", want, page)
	}
	dash := h.consoleGet("/admin/")
	if want := `<tr><td>email</td><td>2</td><td>1</td><td>0</td><td>0</td></tr>`; !strings.Contains(dash, want) {
		t.Errorf("dashboard lacks %q (an empty email digest):\n%s", want, dash)
	}
}
