package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"herald/stories"
)

// The public topic pages: /t/{slug}, the recent stories of one topic with
// its description and a follow form, and /t/{slug}/feed.atom, the same
// stories as an Atom feed. Both are paged (?page=N, TopicPageSize a page,
// at most maxTopicPages pages), cached by clients and proxies for
// topicMaxAge, and answer 304 to a request whose If-None-Match holds the
// page's ETag.
const (
	TopicPageSize = 20
	maxTopicPages = 50
	topicMaxAge   = 5 * time.Minute
	// topicSummaryLen bounds the summary a topic page shows of a story.
	topicSummaryLen = 600
)

var topicTemplate = template.Must(template.New("topic").
	Funcs(template.FuncMap{"css": func() template.CSS { return template.CSS(styleCSS) }}).
	ParseFS(pageFS, "templates/topic.html"))

// topicPageView is the data of a topic page.
type topicPageView struct {
	Topic        stories.Topic
	Stories      []topicStoryView
	FeedURL      string
	Newer, Older string
	Signup       bool
	CSRF         string
}

type topicStoryView struct {
	URL, Headline string
	PublishedAt   time.Time
	Paragraphs    []string
}

// topicPageData reads one page of a topic: the topic, its stories, and
// whether an older page exists. A topic not in the registry is ErrNotFound.
func (s *Server) topicPageData(ctx context.Context, slug string, page int) (stories.Topic, []*stories.Story, bool, error) {
	t, err := s.d.Stories.Topic(ctx, slug)
	if err != nil {
		return t, nil, false, err
	}
	entries, total, err := s.d.Stories.Recent(ctx, slug, (page-1)*TopicPageSize, TopicPageSize)
	if err != nil {
		return t, nil, false, err
	}
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	found, err := s.d.Stories.GetMany(ctx, ids)
	if err != nil {
		return t, nil, false, err
	}
	list := make([]*stories.Story, 0, len(ids))
	for _, id := range ids {
		if st := found[id]; st != nil {
			list = append(list, st)
		}
	}
	return t, list, int64(page*TopicPageSize) < total && page < maxTopicPages, nil
}

// topicRequest reads /t/{slug}?page=N: false (after answering 404) for a
// slug not in canonical form or a page out of range.
func (s *Server) topicRequest(w http.ResponseWriter, r *http.Request) (string, int, bool) {
	slug := r.PathValue("slug")
	page := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxTopicPages {
			page = 0
		} else {
			page = n
		}
	}
	if slug == "" || stories.Slug(slug) != slug || page == 0 {
		s.message(w, http.StatusNotFound, noTopicPage)
		return "", 0, false
	}
	return slug, page, true
}

var noTopicPage = messageView{Title: "No such topic", Paragraphs: []string{"There is no topic at this address."}}

func (s *Server) topicPage(w http.ResponseWriter, r *http.Request) {
	s.cachedTopic(w, r, func() *cachedPage {
		v, ok := s.topicPageView(w, r)
		if !ok {
			return nil
		}
		var buf bytes.Buffer
		if err := topicTemplate.ExecuteTemplate(&buf, "topic", v); err != nil {
			s.d.Logger.Error("render topic page", slog.String("topic", v.Topic.Slug), slog.Any("error", err))
			http.Error(w, "internal error", http.StatusInternalServerError)
			return nil
		}
		return &cachedPage{body: buf.Bytes(), contentType: "text/html; charset=utf-8"}
	})
}

// topicPageView reads what the page shows; false once it answered 404 or
// 503.
func (s *Server) topicPageView(w http.ResponseWriter, r *http.Request) (topicPageView, bool) {
	slug, page, ok := s.topicRequest(w, r)
	if !ok {
		return topicPageView{}, false
	}
	t, list, older, err := s.topicPageData(r.Context(), slug, page)
	if !s.topicFound(w, err) {
		return topicPageView{}, false
	}
	v := topicPageView{Topic: t, FeedURL: "/t/" + slug + "/feed.atom", Signup: s.signupOpen(),
		// The token's hour, not its second: the page's bytes, and so its
		// ETag, stay the same between stories.
		CSRF: csrfToken(s.d.Secret, signupSubject, s.d.Now().Truncate(time.Hour))}
	v.Newer, v.Older = pageLinks("/t/"+slug, page, older)
	for _, st := range list {
		v.Stories = append(v.Stories, topicStoryView{URL: st.URL, Headline: st.Headline, PublishedAt: st.PublishedAt,
			Paragraphs: paragraphsOf(shortenTo(st.Summary, topicSummaryLen))})
	}
	return v, true
}

// topicFound answers 404 or 503 for err, true when there is none.
func (s *Server) topicFound(w http.ResponseWriter, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, stories.ErrNotFound):
		s.message(w, http.StatusNotFound, noTopicPage)
	default:
		s.unavailable(w, "topic page", err)
	}
	return false
}

// pageLinks are the links to the newer and older pages ("" for none).
func pageLinks(base string, page int, older bool) (newer, olderURL string) {
	if page == 2 {
		newer = base
	} else if page > 2 {
		newer = base + "?page=" + strconv.Itoa(page-1)
	}
	if older {
		olderURL = base + "?page=" + strconv.Itoa(page+1)
	}
	return newer, olderURL
}

func paragraphsOf(body string) []string {
	return slices.DeleteFunc(strings.Split(body, "\n\n"), func(p string) bool { return strings.TrimSpace(p) == "" })
}

// shortenTo cuts s to n runes with "…".
func shortenTo(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// writeCached writes a public, cacheable body with an ETag of its bytes,
// or 304 when the request already holds them.
func (s *Server) writeCached(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(topicMaxAge.Seconds())))
	h.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(contentType, "text/html") {
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Frame-Options", "DENY")
	}
	if matchesETag(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", contentType)
	_, _ = w.Write(body)
}

func matchesETag(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		if v = strings.TrimSpace(v); v == etag || v == "*" || v == "W/"+etag {
			return true
		}
	}
	return false
}

// absoluteURL is path on this server's public base URL.
func (s *Server) absoluteURL(r *http.Request, path string) string {
	u, err := url.Parse(s.baseURL(r))
	if err != nil {
		return path
	}
	return strings.TrimRight(u.String(), "/") + path
}
