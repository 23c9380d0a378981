package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"

	"herald/internal/display"
	"herald/stories"
)

// StoryID is the story an item identity (GUID, else link) becomes.
func StoryID(identity string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(identity)))
	return "feed-" + hex.EncodeToString(sum[:12])
}

// errNoIdentity is an item with neither GUID nor link.
var errNoIdentity = errors.New("item has no guid, id or link")

// toStory maps one item of the feed f (document doc) to a story.
func toStory(f *Feed, doc *gofeed.Feed, it *gofeed.Item) (*stories.Story, error) {
	link := itemLink(f, doc, it)
	identity := strings.TrimSpace(it.GUID)
	if identity == "" {
		identity = strings.TrimSpace(it.Link)
	}
	if identity == "" {
		return nil, errNoIdentity
	}
	summary, background := itemText(it)
	st := &stories.Story{
		ID:          StoryID(identity),
		URL:         link,
		Headline:    headline(it.Title, summary),
		Summary:     clip(summary, stories.MaxSummaryLen),
		Background:  clip(background, stories.MaxBodyLen),
		Image:       itemImage(it),
		Topics:      itemTopics(f, it.Categories),
		PublishedAt: published(it),
	}
	if st.Summary == "" {
		st.Summary = st.Headline
	}
	return st, nil
}

// itemText is the item's summary and, when its content says more, the
// content as background; both plain paragraphs.
func itemText(it *gofeed.Item) (summary, background string) {
	desc, content := PlainText(it.Description), PlainText(it.Content)
	switch {
	case desc == "":
		return content, ""
	case content == "" || content == desc:
		return desc, ""
	}
	return desc, content
}

// headline is the item's title on one line, or the summary's start.
func headline(title, summary string) string {
	h := oneLine(PlainText(title))
	if h == "" {
		h = oneLine(summary)
	}
	return clip(h, stories.MaxHeadlineLen)
}

// oneLine joins paragraphs and drops what a single-line field may not hold.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n\n", " ")
	return strings.Map(func(r rune) rune {
		if display.Unsafe(r) {
			return -1
		}
		return r
	}, s)
}

// clip cuts s to at most n runes, at a word when it can, with "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	cut := string(r)
	if i := strings.LastIndexAny(cut, " \n"); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut) + "…"
}

// itemLink is the item's link made absolute, else its GUID when that is a
// URL, else the feed's site, else the feed itself.
func itemLink(f *Feed, doc *gofeed.Feed, it *gofeed.Item) string {
	base, _ := url.Parse(f.URL)
	for _, c := range []string{it.Link, it.GUID, doc.Link} {
		if u := absolute(base, c); u != "" {
			return u
		}
	}
	return f.URL
}

func absolute(base *url.URL, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > stories.MaxURLBytes || strings.ContainsAny(raw, " \t\r\n") {
		return ""
	}
	u, err := base.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

func itemImage(it *gofeed.Item) string {
	if it.Image == nil {
		return ""
	}
	return absolute(&url.URL{}, it.Image.URL)
}

// itemTopics is the feed's topics and those its rules give the item's
// categories.
func itemTopics(f *Feed, categories []string) []stories.Topic {
	var out []stories.Topic
	for _, t := range f.Topics {
		out = append(out, stories.Topic{Name: t})
	}
	for _, c := range categories {
		for _, r := range f.Rules {
			if stories.Slug(c) == stories.Slug(r.Category) {
				out = append(out, stories.Topic{Name: r.Topic})
			}
		}
	}
	return out
}

// published is the item's publication (or update) time; zero when it has
// neither, or one Herald cannot store (the poller then uses the time the
// item was first seen).
func published(it *gofeed.Item) time.Time {
	for _, t := range []*time.Time{it.PublishedParsed, it.UpdatedParsed} {
		if t != nil && t.Year() >= 1970 && t.Year() <= 9999 {
			return t.UTC()
		}
	}
	return time.Time{}
}
