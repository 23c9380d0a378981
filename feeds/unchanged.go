package feeds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"herald/stories"
)

// StoryReader reads a stored story (stories.Store does).
type StoryReader interface {
	Get(ctx context.Context, id string) (*stories.Story, error)
}

// prepare completes st against the story stored under its ID: an undated
// item keeps the time it was first seen, and unchanged says the item is
// what is stored already, so it needs no write. Without a StoryReader
// every item is written.
func (p *Poller) prepare(ctx context.Context, st *stories.Story) (unchanged bool, err error) {
	var old *stories.Story
	if p.Stories != nil {
		old, err = p.Stories.Get(ctx, st.ID)
		if errors.Is(err, stories.ErrNotFound) {
			old, err = nil, nil
		}
		if err != nil {
			return false, err
		}
	}
	if st.PublishedAt.IsZero() {
		st.PublishedAt = p.Now().UTC()
		if old != nil {
			st.PublishedAt = old.PublishedAt
		}
	}
	return old != nil && sameStory(st, old), nil
}

// sameStory compares st, as the store would keep it, with old.
func sameStory(st, old *stories.Story) bool {
	st.Normalize()
	cur := *st
	cur.IngestedAt = old.IngestedAt
	a, aerr := json.Marshal(&cur)
	b, berr := json.Marshal(old)
	return aerr == nil && berr == nil && bytes.Equal(a, b)
}
