package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"herald/stories"
)

type topicRow struct {
	stories.Topic
	Followers int64
	Stories   []storyReach
}

// topicsView is the topics page: the topics, and the headings of the
// stories' counts.
type topicsView struct {
	Topics  []topicRow
	Columns []string
}

func (s *Server) adminTopics(w http.ResponseWriter, r *http.Request, ss session) {
	rows, err := s.topicRows(r)
	if err != nil {
		s.adminUnavailable(w, ss, "topics", err)
		return
	}
	p := s.page(ss, "Topics", "topics", topicsView{Topics: rows, Columns: reachColumns})
	if slug := r.URL.Query().Get("saved"); slug != "" {
		p.Notice = "Saved the description of " + slug + "."
	}
	s.renderAdmin(w, http.StatusOK, "topics", p)
}

func (s *Server) topicRows(r *http.Request) ([]topicRow, error) {
	topics, err := s.d.Stories.Topics(r.Context())
	if err != nil {
		return nil, err
	}
	slugs := make([]string, len(topics))
	for i, t := range topics {
		slugs[i] = t.Slug
	}
	counts, err := s.d.Subs.FollowerCounts(r.Context(), slugs)
	if err != nil {
		return nil, err
	}
	recent, err := s.recentStories(r.Context(), slugs)
	if err != nil {
		return nil, err
	}
	rows := make([]topicRow, len(topics))
	for i, t := range topics {
		rows[i] = topicRow{Topic: t, Followers: counts[t.Slug], Stories: recent[t.Slug]}
	}
	return rows, nil
}

// saveTopic replaces a registered topic's description (its name stays).
func (s *Server) saveTopic(w http.ResponseWriter, r *http.Request, ss session) {
	slug := r.PathValue("slug")
	t, err := s.d.Stories.Topic(r.Context(), slug)
	if errors.Is(err, stories.ErrNotFound) {
		s.adminMessage(w, http.StatusNotFound, ss, "Topic not found", "There is no topic "+slug+".")
		return
	}
	if err == nil {
		t.Description = r.PostFormValue("description")
		err = s.d.Stories.SetTopic(r.Context(), t)
	}
	var ve *stories.ValidationError
	switch {
	case errors.As(err, &ve):
		s.adminMessage(w, http.StatusBadRequest, ss, "Not saved", err.Error())
	case err != nil:
		s.adminUnavailable(w, ss, "save topic", err)
	default:
		s.d.Logger.Info("console: topic description saved", slog.String("operator", ss.Email), slog.String("topic", slug))
		http.Redirect(w, r, "/admin/topics?saved="+url.QueryEscape(slug)+"#"+url.QueryEscape(slug), http.StatusSeeOther)
	}
}
