package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"herald/digest"
	"herald/subscribers"
	"herald/web"
)

// WebLink signs the link to d's web version: the subscriber, the window
// and the topics followed at send time. The page gathers the digest again
// from them (see WebVersion), so no copy of a message is kept.
func (a *App) WebLink(d *digest.Digest) string {
	sub := d.Subscriber
	if sub == nil || a.Cfg.BaseURL == "" || d.Window.End.IsZero() {
		return ""
	}
	ref := subscribers.WebRef{Sub: sub.ID, Nonce: sub.Nonce, Start: d.Window.Start, End: d.Window.End, Topics: sub.Topics, Max: sub.MaxStories}
	tok := subscribers.SignWebToken(a.Keys, ref, a.Now().Add(linkLifetime))
	return strings.TrimRight(a.Cfg.BaseURL, "/") + "/m/" + tok
}

// WebVersion renders the page of the message token names: the same digest
// gathered again, every story of the window shown (the message's "and N
// more" link points into it). It fails with web.ErrVersionGone when the
// window's stories are no longer retained, and with the token errors of
// subscribers.VerifyWebToken.
func (a *App) WebVersion(ctx context.Context, token string) ([]byte, error) {
	ref, err := subscribers.VerifyWebToken(a.Keys, token, a.Now())
	if err != nil {
		return nil, err
	}
	sub, err := a.webReader(ctx, ref)
	if err != nil {
		return nil, err
	}
	d, err := a.Builder.Build(ctx, sub, ref.End)
	if err != nil {
		return nil, fmt.Errorf("web version: %w", err)
	}
	if len(d.Items) == 0 {
		return nil, web.ErrVersionGone
	}
	d.Slot = ref.End
	d.Links = a.Links(d)
	d.Links.Web = a.WebLink(d)
	r, err := a.Templates.RenderEmail(d)
	if err != nil {
		return nil, fmt.Errorf("web version: %w", err)
	}
	return r.HTML, nil
}

// webReader is the subscriber as the message saw them: their topics and
// window from the token, every story of it, their name and zone from the
// store (or none, once they are gone or their ID belongs to a subscriber
// created since: the page never shows that one's details, and its links,
// signed with the token's nonce, do not work on them).
func (a *App) webReader(ctx context.Context, ref subscribers.WebRef) (*subscribers.Subscriber, error) {
	sub, err := a.Subs.GetByToken(ctx, ref.TokenRef())
	switch {
	case errors.Is(err, subscribers.ErrNotFound):
		sub = &subscribers.Subscriber{ID: ref.Sub, Nonce: ref.Nonce}
	case err != nil:
		return nil, fmt.Errorf("web version: %w", err)
	}
	cp := *sub
	cp.Kind, cp.Topics, cp.Cursor, cp.MaxStories = subscribers.KindEmail, ref.Topics, ref.Start, subscribers.MaxMaxStories
	if cp.Schedule == "instant" {
		cp.Schedule = "" // the page is never an alert
	}
	return &cp, nil
}
