package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"herald/channels/slack"
	"herald/digest"
)

const digestBlocks = `[
 {"type":"header","text":{"type":"plain_text","text":"Your morning digest","emoji":true}},
 {"type":"section","text":{"type":"mrkdwn","text":"*<https://news.example/s/1|Council passes budget>*\nThe vote was 7 to 2."}},
 {"type":"divider"},
 {"type":"context","elements":[{"type":"mrkdwn","text":"Politics · 3 more on the site"}]}
]`

func TestSendPostsPayloadsInOrder(t *testing.T) {
	f := newFixture(t, okAPI, nil)
	first := `{"text":"Your morning digest: 4 stories","blocks":` + digestBlocks + `,"unfurl_links":false,"unfurl_media":false}`
	second := `{"text":"and 3 more","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"and 3 more"}}]}`

	if err := f.sender.Send(context.Background(), channelMsg("m1", "C0TEAM", first, second)); err != nil {
		t.Fatalf("Send: %v", err)
	}

	reqs := f.rec.requests()
	if got, want := texts(reqs), []string{"Your morning digest: 4 stories", "and 3 more"}; !slices.Equal(got, want) {
		t.Fatalf("posted texts %q, want %q", got, want)
	}
	wantBlocks := []string{digestBlocks, `[{"type":"section","text":{"type":"mrkdwn","text":"and 3 more"}}]`}
	for i, r := range reqs {
		if r.Method != http.MethodPost || r.Path != "/api/chat.postMessage" {
			t.Errorf("request %d: %s %s, want POST /api/chat.postMessage", i, r.Method, r.Path)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("request %d: Authorization %q, want Bearer token", i, got)
		}
		if r.Form.Has("token") {
			t.Errorf("request %d: token in the form body, want it only in the header", i)
		}
		if got := r.Form.Get("channel"); got != "C0TEAM" {
			t.Errorf("request %d: channel %q, want C0TEAM", i, got)
		}
		if r.Form.Get("unfurl_links") != "false" || r.Form.Get("unfurl_media") != "false" {
			t.Errorf("request %d: unfurl_links=%q unfurl_media=%q, want false", i, r.Form.Get("unfurl_links"), r.Form.Get("unfurl_media"))
		}
		if !jsonEqual(t, []byte(r.Form.Get("blocks")), []byte(wantBlocks[i])) {
			t.Errorf("request %d: blocks\n%s\nwant\n%s", i, r.Form.Get("blocks"), wantBlocks[i])
		}
	}
}

func TestUnfurlWhenPayloadAsks(t *testing.T) {
	f := newFixture(t, okAPI, nil)
	p := `{"text":"alert","unfurl_links":true,"unfurl_media":true}`
	if err := f.sender.Send(context.Background(), channelMsg("m1", "C1", p)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	form := f.rec.requests()[0].Form
	if form.Get("unfurl_links") != "true" || form.Has("unfurl_media") {
		t.Errorf("unfurl_links=%q unfurl_media=%q, want true and unset (Slack's default: on)", form.Get("unfurl_links"), form.Get("unfurl_media"))
	}
}

func TestRateLimitedHonoursRetryAfter(t *testing.T) {
	f := newFixture(t, sequence(
		status(http.StatusTooManyRequests, `{"ok":false,"error":"ratelimited"}`, "Retry-After", "2"),
		okAPI,
	), nil)

	if err := f.sender.Send(context.Background(), channelMsg("m1", "C1", textPayload("hi"))); err != nil {
		t.Fatalf("Send: %v", err)
	}

	reqs := f.rec.requests()
	if len(reqs) != 2 || f.rec.succeeded() != 1 {
		t.Fatalf("%d requests, %d accepted; want 2 and 1", len(reqs), f.rec.succeeded())
	}
	if slept := total(f.clock.slept()); slept < 2*time.Second {
		t.Errorf("slept %v in all, want at least the Retry-After 2s", slept)
	}
	if gap := reqs[1].At.Sub(reqs[0].At); gap < 2*time.Second {
		t.Errorf("retry came %v after the 429, want >= 2s", gap)
	}
	if asked := f.backoff.asked(); len(asked) != 0 {
		t.Errorf("Backoff asked for %v, want unused when Retry-After is given", asked)
	}
}

func TestRateLimitedWithoutRetryAfterBacksOff(t *testing.T) {
	f := newFixture(t, sequence(status(http.StatusTooManyRequests, "slow down"), okAPI), nil)

	if err := f.sender.Send(context.Background(), channelMsg("m1", "C1", textPayload("hi"))); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := f.backoff.asked(); !slices.Equal(got, []int{1}) {
		t.Errorf("Backoff asked for %v, want [1]", got)
	}
	if got := f.clock.slept(); !slices.Contains(got, backoffFor(1)) {
		t.Errorf("slept %v, want a sleep of Backoff(1) = %v", got, backoffFor(1))
	}
	if f.rec.succeeded() != 1 {
		t.Errorf("%d accepted posts, want 1", f.rec.succeeded())
	}
}

func TestServerErrors(t *testing.T) {
	fail := status(http.StatusInternalServerError, "<html>oops</html>")
	tests := []struct {
		name         string
		reply        reply
		wantErr      bool
		wantRequests int
		wantBackoffs []int
	}{
		{name: "500 twice then ok", reply: sequence(fail, fail, okAPI), wantRequests: 3, wantBackoffs: []int{1, 2}},
		{name: "500 forever", reply: fail, wantErr: true, wantRequests: 4, wantBackoffs: []int{1, 2, 3}},
		{name: "internal_error forever", reply: apiError("internal_error"), wantErr: true, wantRequests: 4, wantBackoffs: []int{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.reply, func(c *slack.Config) { c.MaxRetries = 3 })

			err := f.sender.Send(context.Background(), channelMsg("m1", "C1", textPayload("hi")))

			if got := len(f.rec.requests()); got != tt.wantRequests {
				t.Errorf("%d requests, want %d", got, tt.wantRequests)
			}
			if got := f.backoff.asked(); !slices.Equal(got, tt.wantBackoffs) {
				t.Errorf("Backoff asked for %v, want %v", got, tt.wantBackoffs)
			}
			if !tt.wantErr {
				if err != nil || f.rec.succeeded() != 1 {
					t.Fatalf("Send: %v with %d accepted posts, want nil and 1", err, f.rec.succeeded())
				}
				return
			}
			if se := sendError(t, err); !se.Temporary {
				t.Errorf("error %v is permanent, want temporary", err)
			}
			if !digest.IsTemporary(err) {
				t.Errorf("digest.IsTemporary(%v) = false", err)
			}
		})
	}
}

// A token Slack refuses, or none at all, is the channel's failure, not the
// team's: channel-level (held, the team never marked failing), and not
// retried within the send.
func TestTokenErrorsAreChannelLevel(t *testing.T) {
	for _, code := range []string{"invalid_auth", "token_revoked", "not_authed", "missing_scope", ""} {
		t.Run("error "+code, func(t *testing.T) {
			f := newFixture(t, apiError(code), func(c *slack.Config) {
				if code == "" {
					c.Token = ""
				}
			})
			err := f.sender.Send(context.Background(), channelMsg("m1", "C1", textPayload("hi")))
			if !digest.IsChannelDown(err) || !digest.IsTemporary(err) {
				t.Errorf("got %v, want a channel-level temporary failure", err)
			}
			want := 1
			if code == "" {
				want = 0
			}
			if n := len(f.rec.requests()); n != want {
				t.Errorf("%d requests, want %d (no retry)", n, want)
			}
		})
	}
}

func TestPermanentAPIErrors(t *testing.T) {
	for _, code := range []string{"channel_not_found", "not_in_channel", "is_archived", "some_new_error"} {
		t.Run(code, func(t *testing.T) {
			f := newFixture(t, apiError(code), nil)

			err := f.sender.Send(context.Background(), channelMsg("m1", "C1", textPayload("hi")))

			se := sendError(t, err)
			if se.Temporary || se.Reason != code {
				t.Errorf("got temporary=%v reason=%q, want permanent %q", se.Temporary, se.Reason, code)
			}
			if n := len(f.rec.requests()); n != 1 {
				t.Errorf("%d requests, want 1 (no retry)", n)
			}
			if slept := f.clock.slept(); len(slept) != 0 {
				t.Errorf("slept %v, want no waiting", slept)
			}
		})
	}
}

func TestWebhook(t *testing.T) {
	explicit := `{"text":"digest","blocks":[{"type":"divider"}],"unfurl_links":false,"unfurl_media":false}`
	tests := []struct {
		name         string
		reply        reply
		payload      string
		wantBody     string // JSON the webhook should receive
		wantErr      bool
		wantTemp     bool
		wantCode     int
		wantReason   string
		wantRequests int
	}{
		{name: "ok", reply: webhookOK, payload: explicit, wantBody: explicit, wantRequests: 1},
		{name: "ok, unfurl off by default", reply: webhookOK, payload: `{"text":"x"}`,
			wantBody: `{"text":"x","unfurl_links":false,"unfurl_media":false}`, wantRequests: 1},
		{name: "404 no_service", reply: status(http.StatusNotFound, "no_service"), payload: explicit,
			wantErr: true, wantCode: 404, wantReason: "no_service", wantRequests: 1},
		{name: "410 channel_is_archived", reply: status(http.StatusGone, "channel_is_archived"), payload: explicit,
			wantErr: true, wantCode: 410, wantReason: "channel_is_archived", wantRequests: 1},
		{name: "403 action_prohibited", reply: status(http.StatusForbidden, "action_prohibited"), payload: explicit,
			wantErr: true, wantCode: 403, wantReason: "action_prohibited", wantRequests: 1},
		{name: "500 forever", reply: status(http.StatusInternalServerError, "<html>down</html>"), payload: explicit,
			wantErr: true, wantTemp: true, wantCode: 500, wantReason: "http_500", wantRequests: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.reply, func(c *slack.Config) { c.MaxRetries = 1 })

			err := f.sender.Send(context.Background(), webhookMsg("m1", f.rec.webhookURL(), tt.payload))

			reqs := f.rec.requests()
			if len(reqs) != tt.wantRequests {
				t.Fatalf("%d requests, want %d", len(reqs), tt.wantRequests)
			}
			if got := reqs[0].Header.Get("Authorization"); got != "" {
				t.Errorf("webhook got Authorization %q, want none", got)
			}
			if got := reqs[0].Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type %q, want application/json", got)
			}
			if tt.wantBody != "" && !jsonEqual(t, reqs[0].Body, []byte(tt.wantBody)) {
				t.Errorf("body %s, want %s", reqs[0].Body, tt.wantBody)
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				return
			}
			se := sendError(t, err)
			if se.Temporary != tt.wantTemp || se.Code != tt.wantCode || se.Reason != tt.wantReason {
				t.Errorf("got temporary=%v code=%d reason=%q, want %v %d %q",
					se.Temporary, se.Code, se.Reason, tt.wantTemp, tt.wantCode, tt.wantReason)
			}
		})
	}
}

func TestWebhookBodyUnchangedWhenComplete(t *testing.T) {
	f := newFixture(t, webhookOK, nil)
	p := `{"unfurl_media":false, "text":"keep  my bytes", "unfurl_links":false}`
	if err := f.sender.Send(context.Background(), webhookMsg("m1", f.rec.webhookURL(), p)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := string(f.rec.requests()[0].Body); got != p {
		t.Errorf("body %q, want the payload byte for byte %q", got, p)
	}
}

func TestWebhookConnectionErrorHidesURL(t *testing.T) {
	f := newFixture(t, webhookOK, func(c *slack.Config) { c.MaxRetries = 1 })
	dead := f.rec.webhookURL()
	f.rec.srv.Close()

	err := f.sender.Send(context.Background(), webhookMsg("m1", dead, textPayload("hi")))

	se := sendError(t, err) // also asserts the secret is not in the error
	if !se.Temporary {
		t.Errorf("error %v is permanent, want temporary", err)
	}
	if strings.Contains(err.Error(), dead) {
		t.Errorf("error %q contains the webhook URL", err)
	}
	if !strings.Contains(f.logs.String(), "retrying") {
		t.Errorf("logs %q lack the retry line, the secret check would prove nothing", f.logs.String())
	}
}

func TestPacingOneChannel(t *testing.T) {
	f := newFixture(t, okAPI, nil)
	ctx := context.Background()

	for i := range 3 {
		if err := f.sender.Send(ctx, channelMsg(string(rune('a'+i)), "C1", textPayload("hi"))); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}

	reqs := f.rec.requests()
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].At.Sub(reqs[i-1].At); gap < time.Second {
			t.Errorf("post %d came %v after post %d, want >= 1s", i, gap, i-1)
		}
	}
	slept := len(f.clock.slept())

	if err := f.sender.Send(ctx, channelMsg("other", "C2", textPayload("hi"))); err != nil {
		t.Fatalf("Send to C2: %v", err)
	}
	if got := len(f.clock.slept()); got != slept {
		t.Errorf("a post to C2 slept (%v), want no wait for another channel", f.clock.slept()[slept:])
	}
}

func TestPacingChannelsDoNotWaitOnEachOther(t *testing.T) {
	clock := newClock()
	rec := newRecorder(t, clock, okAPI)
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	blockingSleep := func(ctx context.Context, d time.Duration) error {
		entered <- struct{}{}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s := slack.New(slack.Config{Token: testToken, APIURL: rec.apiURL(), Sleep: blockingSleep, Now: clock.Now}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := s.Send(ctx, channelMsg("a1", "CA", textPayload("a1"))); err != nil {
		t.Fatalf("first Send to CA: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Send(ctx, channelMsg("a2", "CA", textPayload("a2"))) }()
	select {
	case <-entered: // the second post to CA waits for its slot
	case err := <-done:
		t.Fatalf("second Send to CA returned %v without waiting for its slot", err)
	}

	if err := s.Send(ctx, channelMsg("b1", "CB", textPayload("b1"))); err != nil {
		t.Fatalf("Send to CB while CA waits: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("second Send to CA: %v", err)
	}
	if got, want := texts(rec.requests()), []string{"a1", "b1", "a2"}; !slices.Equal(got, want) {
		t.Errorf("posts %q, want %q", got, want)
	}
}

func TestTimeoutIsTemporary(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request, _ int) { <-r.Context().Done() }
	f := newFixture(t, hang, func(c *slack.Config) {
		c.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond}
		c.MaxRetries = 1
	})

	for _, msg := range []*digest.Message{
		channelMsg("m1", "C1", textPayload("hi")),
		webhookMsg("m2", f.rec.webhookURL(), textPayload("hi")),
	} {
		err := f.sender.Send(context.Background(), msg)
		if se := sendError(t, err); !se.Temporary {
			t.Errorf("timeout gave %v, want a temporary error", err)
		}
	}
	if n := len(f.rec.requests()); n != 4 {
		t.Errorf("%d requests, want 4 (two tries each)", n)
	}
}

func TestCanceledContext(t *testing.T) {
	f := newFixture(t, okAPI, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	err := f.sender.Send(ctx, channelMsg("m1", "C1", textPayload("hi")))

	if se := sendError(t, err); !se.Temporary || !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want a temporary error wrapping context.Canceled", err)
	}
	if len(f.clock.slept()) != 0 {
		t.Errorf("slept %v after cancel, want no retry", f.clock.slept())
	}
}

func TestResumeAfterTemporaryFailure(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	rep := func(w http.ResponseWriter, r *http.Request, n int) {
		if failing.Load() && r.FormValue("text") == "two" {
			status(http.StatusBadGateway, "bad gateway")(w, r, n)
			return
		}
		okAPI(w, r, n)
	}
	f := newFixture(t, rep, func(c *slack.Config) { c.MaxRetries = 1 })
	msg := channelMsg("m-resume", "C1", textPayload("one"), textPayload("two"), textPayload("three"))

	err := f.sender.Send(context.Background(), msg)
	if se := sendError(t, err); !se.Temporary || !strings.Contains(err.Error(), "payload 2 of 3 (1 posted)") {
		t.Fatalf("first Send: %v, want temporary naming payload 2 of 3 (1 posted)", err)
	}
	failing.Store(false)
	if err := f.sender.Send(context.Background(), msg); err != nil {
		t.Fatalf("retry: %v", err)
	}

	if got, want := texts(f.rec.requests()), []string{"one", "two", "two", "two", "three"}; !slices.Equal(got, want) {
		t.Errorf("requests %q, want %q (payload one posted once)", got, want)
	}
	if !strings.Contains(f.logs.String(), "resuming") {
		t.Errorf("logs lack the resume line:\n%s", f.logs.String())
	}

	if err := f.sender.Send(context.Background(), msg); err != nil {
		t.Fatalf("third Send: %v", err)
	}
	if got := texts(f.rec.requests())[5:]; !slices.Equal(got, []string{"one", "two", "three"}) {
		t.Errorf("after success a new send posted %q, want all three again", got)
	}
}

func TestInvalidMessages(t *testing.T) {
	good := json.RawMessage(textPayload("hi"))
	tests := []struct {
		name      string
		msg       *digest.Message
		noToken   bool
		wantIs    error
		wantInErr string
	}{
		{name: "nil message", msg: nil, wantIs: slack.ErrNoDestination},
		{name: "no destination", msg: &digest.Message{ID: "m", Payloads: []json.RawMessage{good}}, wantIs: slack.ErrNoDestination},
		{name: "empty destination", msg: &digest.Message{ID: "m", Slack: &digest.SlackDestination{}, Payloads: []json.RawMessage{good}},
			wantIs: slack.ErrNoDestination, wantInErr: "both empty"},
		{name: "both destinations", msg: &digest.Message{ID: "m", Slack: &digest.SlackDestination{Channel: "C1", WebhookURL: "https://hooks.example" + webhookSecret},
			Payloads: []json.RawMessage{good}}, wantIs: slack.ErrNoDestination, wantInErr: "both set"},
		{name: "no payloads", msg: channelMsg("m", "C1"), wantIs: slack.ErrInvalidPayload, wantInErr: "Payloads"},
		{name: "bad JSON in second payload", msg: channelMsg("m", "C1", textPayload("a"), `{"text":`),
			wantIs: slack.ErrInvalidPayload, wantInErr: "Payloads[1]"},
		{name: "blocks not a list", msg: channelMsg("m", "C1", `{"text":"a","blocks":{"type":"divider"}}`),
			wantIs: slack.ErrInvalidPayload, wantInErr: "Payloads[0]: blocks"},
		{name: "no text nor blocks", msg: channelMsg("m", "C1", `{"unfurl_links":false}`),
			wantIs: slack.ErrInvalidPayload, wantInErr: "text and blocks both empty"},
		{name: "too many blocks", msg: channelMsg("m", "C1", `{"text":"a","blocks":[`+strings.Repeat(`{"type":"divider"},`, 50)+`{"type":"divider"}]}`),
			wantIs: slack.ErrInvalidPayload, wantInErr: "at most 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, okAPI, func(c *slack.Config) {
				if tt.noToken {
					c.Token = ""
				}
			})

			err := f.sender.Send(context.Background(), tt.msg)

			se := sendError(t, err)
			if se.Temporary || se.Reason != "invalid_message" || !errors.Is(err, tt.wantIs) {
				t.Errorf("got %v (reason %q), want permanent invalid_message wrapping %v", err, se.Reason, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("error %q does not name %q", err, tt.wantInErr)
			}
			if n := len(f.rec.requests()); n != 0 {
				t.Errorf("%d requests, want none", n)
			}
		})
	}
}

func TestDefaultBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {5, 16 * time.Second}, {6, 30 * time.Second}, {40, 30 * time.Second},
	}
	for _, tt := range tests {
		if got := slack.DefaultBackoff(tt.attempt); got != tt.want {
			t.Errorf("DefaultBackoff(%d) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
}
