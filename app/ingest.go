package app

import (
	"context"
	"log/slog"

	"herald/digest"
	"herald/internal/webhooks"
	"herald/stories"
)

// Ingest stores a story and, the first time it is seen, makes instant
// subscribers following its topics due. A re-import updates the story and
// alerts no one.
func (a *App) Ingest(ctx context.Context, st *stories.Story) (created bool, err error) {
	created, err = a.Stories.Put(ctx, st)
	if err != nil || !created {
		return created, err
	}
	a.Emit(ctx, webhooks.StoryIngested, st.ID, storyEvent(st))
	alerts := &digest.Alerts{Subs: a.Subs, Delay: a.Cfg.InstantDelay, Now: a.Now}
	if aerr := alerts.Ingested(ctx, st); aerr != nil {
		// The story is stored; the instant alert waits for the next story
		// on these topics. Report it, don't fail the ingest.
		a.Logger.Error("instant alert", slog.String("story", st.ID), slog.Any("error", aerr))
	}
	return true, nil
}
