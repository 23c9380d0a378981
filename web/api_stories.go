package web

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"

	"herald/stories"
)

// itemResult is the outcome of one story of a POST /v1/stories batch.
type itemResult struct {
	Index  int       `json:"index"`
	ID     string    `json:"id,omitempty"`
	Status string    `json:"status"` // created, updated or rejected
	Error  *apiError `json:"error,omitempty"`
}

// batchResult is the body of a POST /v1/stories answer.
type batchResult struct {
	Results  []itemResult `json:"results"`
	Created  int          `json:"created"`
	Updated  int          `json:"updated"`
	Rejected int          `json:"rejected"`
}

// postStories ingests one story, a JSON array of stories or NDJSON. Every
// item is validated on its own; the answer lists each item's outcome:
// 200 when all were stored, 207 when some were and some were rejected,
// 422 when none was (503 when Redis refused them). A body that is not
// JSON, or breaks off mid-way, stores nothing (400); one over the size
// limit stores nothing (413).
func (s *Server) postStories(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, s.d.MaxBodyBytes)
	if err != nil {
		return err
	}
	items, err := stories.ParseItems(bytes.NewReader(body))
	if errors.Is(err, stories.ErrEmptyInput) {
		return errorf(http.StatusBadRequest, CodeBadJSON, "", "empty body: want a story object, an array of them, or NDJSON")
	}
	if err != nil {
		return errorf(http.StatusBadRequest, CodeBadJSON, "", err.Error()+" (nothing was stored)")
	}
	res := batchResult{Results: make([]itemResult, 0, len(items))}
	for _, it := range items {
		res.add(s.ingestItem(r, it))
	}
	writeJSON(w, res.status(), res)
	return nil
}

func (s *Server) ingestItem(r *http.Request, it stories.Item) itemResult {
	out := itemResult{Index: it.Index, Status: IngestRejected}
	if it.Err != nil {
		out.Error, _ = apiStatus(it.Err)
		s.d.Metrics.CountIngest(IngestRejected)
		return out
	}
	out.ID = it.Story.ID
	created, err := s.d.Ingest(r.Context(), it.Story)
	switch {
	case err != nil:
		ae, known := apiStatus(err)
		if !known {
			s.d.Logger.Error("ingest", slog.String("story", it.Story.ID), slog.Any("error", err))
			ae = errorf(http.StatusServiceUnavailable, CodeStoreFailed, "", "could not store the story; try again")
		}
		out.Error = ae
	case created:
		out.Status = IngestCreated
	default:
		out.Status = IngestUpdated
	}
	s.d.Metrics.CountIngest(out.Status)
	return out
}

func (b *batchResult) add(it itemResult) {
	b.Results = append(b.Results, it)
	switch it.Status {
	case IngestCreated:
		b.Created++
	case IngestUpdated:
		b.Updated++
	default:
		b.Rejected++
	}
}

func (b *batchResult) status() int {
	switch {
	case b.Rejected == 0:
		return http.StatusOK
	case b.Created+b.Updated > 0:
		return http.StatusMultiStatus
	}
	for _, it := range b.Results {
		if it.Error != nil && it.Error.Code == CodeStoreFailed {
			return http.StatusServiceUnavailable
		}
	}
	return http.StatusUnprocessableEntity
}

func (s *Server) getStory(w http.ResponseWriter, r *http.Request) error {
	st, err := s.d.Stories.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) deleteStory(w http.ResponseWriter, r *http.Request) error {
	if err := s.d.Stories.Delete(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// topicView is one registered topic with how many subscribers follow it.
type topicView struct {
	stories.Topic
	Followers int64 `json:"followers"`
}

func (s *Server) listTopics(w http.ResponseWriter, r *http.Request) error {
	topics, err := s.d.Stories.Topics(r.Context())
	if err != nil {
		return err
	}
	slugs := make([]string, len(topics))
	for i, t := range topics {
		slugs[i] = t.Slug
	}
	counts, err := s.d.Subs.FollowerCounts(r.Context(), slugs)
	if err != nil {
		return err
	}
	out := make([]topicView, len(topics))
	for i, t := range topics {
		out[i] = topicView{Topic: t, Followers: counts[t.Slug]}
	}
	writeJSON(w, http.StatusOK, map[string][]topicView{"topics": out})
	return nil
}
