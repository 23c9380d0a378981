package web

import (
	"log/slog"
	"net/http"
	"slices"

	"herald/subscribers"
)

// The "Unfollow TOPIC" link under each topic of a digest's "More on these
// topics": /f/{slug}/{token}, the token signed for that topic alone. As
// with unsubscribing, a GET only asks (a link scanner changes nothing) and
// the POST, the page's button, acts; the signed URL is the authority.

// unfollowPage asks whether to stop following the topic.
func (s *Server) unfollowPage(w http.ResponseWriter, r *http.Request) {
	sub, slug, name := s.unfollowTarget(w, r)
	if sub == nil {
		return
	}
	prefs := linkView{Href: s.preferencesLink(sub), Text: "Manage all your topics and your schedule"}
	if !slices.Contains(sub.Topics, slug) {
		s.message(w, http.StatusOK, messageView{Title: "Not followed",
			Paragraphs: []string{"You no longer follow " + name + "."}, Links: []linkView{prefs}})
		return
	}
	s.message(w, http.StatusOK, messageView{
		Title:      "Unfollow " + name + "?",
		Paragraphs: []string{"Stop putting stories on " + name + " in the digests to " + destination(sub) + "? Your other topics stay as they are."},
		Form:       &formView{Action: r.URL.Path, Button: "Unfollow " + name, ID: "unfollow"},
		Links:      []linkView{prefs},
	})
}

// unfollow stops following the topic and says what is left.
func (s *Server) unfollow(w http.ResponseWriter, r *http.Request) {
	sub, slug, name := s.unfollowTarget(w, r)
	if sub == nil {
		return
	}
	if err := s.d.Subs.Unfollow(r.Context(), sub.ID, slug); err != nil {
		s.d.Logger.Error("unfollow", slog.String("subscriber", sub.ID), slog.String("topic", slug), slog.Any("error", err))
		s.message(w, http.StatusServiceUnavailable, unavailablePage)
		return
	}
	s.d.Logger.Info("unfollowed by link", slog.String("subscriber", sub.ID), slog.String("topic", slug))
	left := "Your digests keep your other topics."
	if len(sub.Topics) <= 1 {
		left = "You follow no topics now, so your digests will be empty: choose some on your preferences page, or unsubscribe there."
	}
	s.message(w, http.StatusOK, messageView{Title: "Unfollowed",
		Paragraphs: []string{"You no longer follow " + name + ". " + left},
		Links:      []linkView{{Href: s.preferencesLink(sub), Text: "Manage your topics"}}})
}

// unfollowTarget verifies the link for its topic and returns the
// subscriber, the topic's slug and its name; on failure it has written the
// page and returns a nil subscriber.
func (s *Server) unfollowTarget(w http.ResponseWriter, r *http.Request) (*subscribers.Subscriber, string, string) {
	slug := r.PathValue("slug")
	sub := s.subscriberFor(w, r, subscribers.ActionUnfollow(slug))
	if sub == nil {
		return nil, "", ""
	}
	name := slug
	if registry, err := s.d.Stories.Topics(r.Context()); err == nil {
		for _, t := range registry {
			if t.Slug == slug && t.Name != "" {
				name = t.Name
			}
		}
	}
	return sub, slug, name
}
