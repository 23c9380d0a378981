package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"herald/feeds"
)

// Feeds is what the feed routes need: the store's add, list and remove,
// and a poll of every feed now. Nil in Deps: the routes answer 503.
type Feeds interface {
	Add(ctx context.Context, f *feeds.Feed) (created bool, err error)
	List(ctx context.Context) ([]*feeds.Feed, error)
	Remove(ctx context.Context, id string) error
	PollAll(ctx context.Context) ([]feeds.Outcome, error)
}

// feedRoutes are the admin API's feed routes.
func (s *Server) feedRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /v1/feeds", s.handle(s.withFeeds(s.listFeeds)))
	m.HandleFunc("POST /v1/feeds", s.handle(s.withFeeds(s.addFeed)))
	m.HandleFunc("DELETE /v1/feeds/{id}", s.handle(s.withFeeds(s.removeFeed)))
	m.HandleFunc("POST /v1/feeds/poll", s.handle(s.withFeeds(s.pollFeeds)))
}

func (s *Server) withFeeds(fn handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.d.Feeds == nil {
			return errorf(http.StatusServiceUnavailable, CodeUnavailable, "", "feeds are not available in this process")
		}
		return feedError(fn(w, r))
	}
}

// feedError turns the feed store's errors into API errors.
func feedError(err error) error {
	var ve *feeds.ValidationError
	switch {
	case errors.As(err, &ve):
		return invalidField(ve.Field, ve.Message)
	case errors.Is(err, feeds.ErrNotFound):
		return errorf(http.StatusNotFound, CodeNotFound, "", "no such feed")
	}
	return err
}

// feedInput is the body of POST /v1/feeds.
type feedInput struct {
	URL      string       `json:"url"`
	Topics   []string     `json:"topics"`
	Rules    []feeds.Rule `json:"rules"`
	Interval string       `json:"interval"` // a Go duration, e.g. "15m"; default 15m
}

// feedView is a feed as the API shows it.
type feedView struct {
	ID       string       `json:"id"`
	URL      string       `json:"url"`
	Topics   []string     `json:"topics"`
	Rules    []feeds.Rule `json:"rules"`
	Interval string       `json:"interval"`
	Status   feeds.Status `json:"status"`
}

func viewFeed(f *feeds.Feed) feedView {
	rules := f.Rules
	if rules == nil {
		rules = []feeds.Rule{}
	}
	return feedView{ID: f.ID, URL: f.URL, Topics: f.Topics, Rules: rules, Interval: f.Interval.String(), Status: f.Status}
}

func (s *Server) listFeeds(w http.ResponseWriter, r *http.Request) error {
	list, err := s.d.Feeds.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]feedView, 0, len(list))
	for _, f := range list {
		out = append(out, viewFeed(f))
	}
	writeJSON(w, http.StatusOK, map[string]any{"feeds": out})
	return nil
}

func (s *Server) addFeed(w http.ResponseWriter, r *http.Request) error {
	var in feedInput
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	f := &feeds.Feed{URL: in.URL, Topics: in.Topics, Rules: in.Rules}
	if in.Interval != "" {
		d, err := time.ParseDuration(in.Interval)
		if err != nil {
			return invalidField("interval", "not a duration such as 15m or 1h")
		}
		f.Interval = d
	}
	created, err := s.d.Feeds.Add(r.Context(), f)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", "/v1/feeds/"+f.ID)
	writeJSON(w, status, viewFeed(f))
	return nil
}

func (s *Server) removeFeed(w http.ResponseWriter, r *http.Request) error {
	if err := s.d.Feeds.Remove(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) pollFeeds(w http.ResponseWriter, r *http.Request) error {
	out, err := s.d.Feeds.PollAll(r.Context())
	if err != nil {
		return err
	}
	if out == nil {
		out = []feeds.Outcome{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"polls": out})
	return nil
}
