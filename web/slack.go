package web

// The Slack app: a channel's team subscription changed from Slack itself.
//
//   - POST /slack/commands: the slash command (/herald follow <topic>,
//     unfollow <topic>, list, schedule <schedule>, help);
//   - POST /slack/interactions: a "Follow" button (templates'
//     SlackFollowAction) or the topic picker's choice, a block_actions
//     payload;
//   - POST /slack/options: the topic picker's completion by prefix, a
//     block_suggestion payload (the app's "Options Load URL"; also
//     answered on /slack/interactions).
//
// Each acts on the team subscription whose slack_channel is the request's
// channel. Every request must carry Slack's v0 signature of its body
// under the app's signing secret, with a timestamp at most five minutes
// from the wall clock (slack-go's SecretsVerifier, which reads the wall
// clock itself): anything else is a 401, and the endpoints are 404 while
// no secret is configured. Slack waits 3 s for an answer, so the work
// runs with a slackBudget deadline and a slow Redis is answered "try
// again" in time; the commands are idempotent, so trying again is safe.

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"
)

const (
	// slackBudget is how long a Slack request's work may take before it
	// is answered "try again": Slack shows nothing that comes after 3 s.
	slackBudget = 2 * time.Second
	// slackMaxBody caps a Slack request: a button's block_actions payload
	// carries the whole message it was pressed in.
	slackMaxBody = 256 << 10
	// slackRespondTimeout bounds a post to a response_url.
	slackRespondTimeout = 10 * time.Second
)

const slackTryAgain = "Herald could not reach its database in time; try again in a moment."

// slackReply is an answer Slack shows: to the user alone (ephemeral), as
// the body of a slash command's response or posted to a response_url.
type slackReply struct {
	ResponseType    string        `json:"response_type"`
	ReplaceOriginal bool          `json:"replace_original"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
}

func ephemeral(text string, blocks ...slack.Block) slackReply {
	return slackReply{ResponseType: slack.ResponseTypeEphemeral, Text: text, Blocks: blocks}
}

func (s *Server) slackRoutes() {
	s.mux.HandleFunc("POST /slack/commands", s.slack(s.slackCommand))
	s.mux.HandleFunc("POST /slack/interactions", s.slack(s.slackInteraction))
	s.mux.HandleFunc("POST /slack/options", s.slack(s.slackInteraction))
}

// slackHandler serves a verified Slack request whose form is parsed.
type slackHandler func(w http.ResponseWriter, r *http.Request, form url.Values)

// slack verifies a Slack request (signature and timestamp over the raw
// body, at most slackMaxBody bytes) before h sees its form.
func (s *Server) slack(h slackHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.d.SlackSigningSecret == "" {
			http.NotFound(w, r)
			return
		}
		body, ok := readSlackBody(w, r)
		if !ok {
			return
		}
		if err := s.verifySlack(r.Header, body); err != nil {
			s.d.Logger.Warn("slack: request refused", slog.String("path", r.URL.Path), slog.String("client", clientOf(r)), slog.Any("error", err))
			http.Error(w, "invalid or stale Slack signature", http.StatusUnauthorized)
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "body is not a form", http.StatusBadRequest)
			return
		}
		h(w, r, form)
	}
}

// readSlackBody reads the raw body, answering 413 or 400 when it cannot.
func readSlackBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := readBody(w, r, slackMaxBody)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return nil, false
	case err != nil:
		http.Error(w, "unreadable request body", http.StatusBadRequest)
		return nil, false
	}
	return body, true
}

// verifySlack checks Slack's X-Slack-Signature over body, and that
// X-Slack-Request-Timestamp is within five minutes.
func (s *Server) verifySlack(h http.Header, body []byte) error {
	v, err := slack.NewSecretsVerifier(h, s.d.SlackSigningSecret)
	if err != nil {
		return err
	}
	if _, err := v.Write(body); err != nil {
		return err
	}
	return v.Ensure()
}

// withinBudget runs work with a context that ends after slackBudget and
// returns its reply, or "try again" once the budget is spent: go-redis
// may not give up on a slow server by itself before Slack does.
func withinBudget(ctx context.Context, work func(context.Context) slackReply) slackReply {
	ctx, cancel := context.WithTimeout(ctx, slackBudget)
	defer cancel()
	done := make(chan slackReply, 1)
	go func() { done <- work(ctx) }()
	select {
	case reply := <-done:
		return reply
	case <-ctx.Done():
		return ephemeral(slackTryAgain)
	}
}

// slackFailure is the reply to an error of the store: "try again" when
// Redis is slow or down, else a pointer to the log (where the error goes).
func (s *Server) slackFailure(op string, err error) slackReply {
	if storeDown(err) {
		return ephemeral(slackTryAgain)
	}
	s.d.Logger.Error("slack: "+op, slog.Any("error", err))
	return ephemeral("Something went wrong in Herald; its log says what.")
}
