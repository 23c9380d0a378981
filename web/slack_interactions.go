package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/slack-go/slack"

	"herald/internal/slug"
	"herald/stories"
	"herald/subscribers"
	"herald/templates"
)

// slackInteraction serves an interaction payload: a block_suggestion gets
// the matching topics, a block_actions from a Follow button or the topic
// picker follows the topic and posts the answer to the response_url; any
// other interaction is acknowledged and ignored.
func (s *Server) slackInteraction(w http.ResponseWriter, r *http.Request, form url.Values) {
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		http.Error(w, "payload: not an interaction payload", http.StatusBadRequest)
		return
	}
	switch cb.Type {
	case slack.InteractionTypeBlockSuggestion:
		s.slackSuggest(w, r, cb.Value)
	case slack.InteractionTypeBlockActions:
		s.slackAction(w, r, &cb)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// slackSuggest answers the picker with the topics matching typed, or no
// option when Redis is too slow.
func (s *Server) slackSuggest(w http.ResponseWriter, r *http.Request, typed string) {
	ctx, cancel := context.WithTimeout(r.Context(), slackBudget)
	defer cancel()
	done := make(chan *slack.OptionsResponse, 1)
	go func() {
		resp, err := s.topicOptions(ctx, typed)
		if err != nil {
			s.d.Logger.Warn("slack: topic options", slog.Any("error", err))
		}
		done <- resp
	}()
	resp := &slack.OptionsResponse{Options: []*slack.OptionBlockObject{}}
	select {
	case got := <-done:
		if got != nil {
			resp = got
		}
	case <-ctx.Done():
	}
	writeJSON(w, http.StatusOK, resp)
}

// slackAction follows the topic of the first Follow action, then
// acknowledges the request; the answer goes to the payload's
// response_url, as Slack shows nothing of a block_actions response.
func (s *Server) slackAction(w http.ResponseWriter, r *http.Request, cb *slack.InteractionCallback) {
	topic, ok := followed(cb)
	if !ok {
		w.WriteHeader(http.StatusOK)
		return
	}
	reply := withinBudget(r.Context(), func(ctx context.Context) slackReply {
		team, reply, ok := s.slackTeam(ctx, cb.Channel.ID)
		if !ok {
			return reply
		}
		return s.followSlug(ctx, team, topic)
	})
	w.WriteHeader(http.StatusOK)
	s.respondLater(cb.ResponseURL, reply)
}

// followed is the topic slug of the first Follow button or picker choice
// in cb.
func followed(cb *slack.InteractionCallback) (string, bool) {
	for _, a := range cb.ActionCallback.BlockActions {
		if a == nil || !strings.HasPrefix(a.ActionID, templates.SlackFollowAction) {
			continue
		}
		if v := firstNonEmpty(a.Value, a.SelectedOption.Value); v != "" {
			return v, true
		}
	}
	return "", false
}

// followSlug follows the registered topic sl, or the slug itself when no
// story has brought it into the registry (a button names only topics
// stories carry).
func (s *Server) followSlug(ctx context.Context, team *subscribers.Subscriber, sl string) slackReply {
	t, err := s.d.Stories.Topic(ctx, slug.Make(sl))
	if errors.Is(err, stories.ErrNotFound) {
		t, err = stories.Topic{Slug: slug.Make(sl)}, nil
	}
	if err != nil {
		return s.slackFailure("follow", err)
	}
	return s.followTopic(ctx, team, t)
}

// respondLater posts reply to a payload's response_url in the background,
// when the host policy allows that URL (Slack's hooks hosts and
// HERALD_SLACK_WEBHOOK_HOSTS). The URL is a credential: it is never logged.
func (s *Server) respondLater(responseURL string, reply slackReply) {
	if s.slackHTTP == nil || responseURL == "" {
		return
	}
	if err := s.d.SlackResponses.CheckURL(responseURL); err != nil {
		s.d.Logger.Warn("slack: response_url refused", slog.Any("error", err))
		return
	}
	body, err := json.Marshal(reply)
	if err != nil {
		return
	}
	s.slackPosts.Go(func() { s.postResponse(responseURL, body) })
}

// RunSlackResponses returns once ctx has ended and the posts to Slack's
// response URLs in flight are done (each is bounded by
// slackRespondTimeout). herald serve runs it beside the HTTP server and
// stops it after the server, so no answer is cut off.
func (s *Server) RunSlackResponses(ctx context.Context) {
	<-ctx.Done()
	s.slackPosts.Wait()
}

func (s *Server) postResponse(responseURL string, body []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), slackRespondTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.slackHTTP.Do(req)
	if err != nil {
		s.d.Logger.Warn("slack: response_url post failed", slog.String("error", redactURLError(err)))
		return
	}
	_ = resp.Body.Close()
	if resp.StatusCode >= 300 {
		s.d.Logger.Warn("slack: response_url answered", slog.Int("status", resp.StatusCode))
	}
}

// redactURLError is err's message without the URL it names.
func redactURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}
