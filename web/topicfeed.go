package web

import (
	"encoding/xml"
	"net/http"
	"time"

	"herald/stories"
)

// atomFeed is an Atom 1.0 document (RFC 4287); encoding/xml escapes every
// text and attribute.
type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title    string      `xml:"title"`
	Subtitle string      `xml:"subtitle,omitempty"`
	ID       string      `xml:"id"`
	Updated  string      `xml:"updated"`
	Links    []atomLink  `xml:"link"`
	Entries  []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	Title     string   `xml:"title"`
	ID        string   `xml:"id"`
	Link      atomLink `xml:"link"`
	Published string   `xml:"published"`
	Updated   string   `xml:"updated"`
	Summary   atomText `xml:"summary"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

func (s *Server) topicFeed(w http.ResponseWriter, r *http.Request) {
	s.cachedTopic(w, r, func() *cachedPage {
		slug, page, ok := s.topicRequest(w, r)
		if !ok {
			return nil
		}
		t, list, older, err := s.topicPageData(r.Context(), slug, page)
		if !s.topicFound(w, err) {
			return nil
		}
		body, err := xml.MarshalIndent(s.atomOf(r, t, list, page, older), "", "  ")
		if err != nil {
			s.unavailable(w, "topic feed", err)
			return nil
		}
		return &cachedPage{body: append([]byte(xml.Header), body...), contentType: "application/atom+xml; charset=utf-8"}
	})
}

// atomOf is the feed of one page of a topic; its id is the topic page's
// URL, each entry's urn:herald:story:<story id>.
func (s *Server) atomOf(r *http.Request, t stories.Topic, list []*stories.Story, page int, older bool) atomFeed {
	self := s.absoluteURL(r, r.URL.RequestURI())
	f := atomFeed{Title: t.Name + " · Herald", Subtitle: t.Description, ID: s.absoluteURL(r, "/t/"+t.Slug),
		Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self},
			{Rel: "alternate", Type: "text/html", Href: s.absoluteURL(r, "/t/"+t.Slug)}}}
	if newer, olderURL := pageLinks("/t/"+t.Slug+"/feed.atom", page, older); newer != "" || olderURL != "" {
		f.Links = append(f.Links, pageLink("previous", s.absoluteURL(r, newer), newer), pageLink("next", s.absoluteURL(r, olderURL), olderURL))
		f.Links = compactLinks(f.Links)
	}
	for _, st := range list {
		updated := latest(st.PublishedAt, st.IngestedAt)
		if u := updated.Format(time.RFC3339); u > f.Updated {
			f.Updated = u
		}
		f.Entries = append(f.Entries, atomEntry{Title: st.Headline, ID: "urn:herald:story:" + st.ID, Link: atomLink{Rel: "alternate", Href: st.URL},
			Published: st.PublishedAt.UTC().Format(time.RFC3339), Updated: updated.Format(time.RFC3339),
			Summary: atomText{Type: "text", Body: st.Summary}})
	}
	return f
}

func pageLink(rel, abs, path string) atomLink {
	if path == "" {
		return atomLink{}
	}
	return atomLink{Rel: rel, Type: "application/atom+xml", Href: abs}
}

func compactLinks(links []atomLink) []atomLink {
	out := links[:0]
	for _, l := range links {
		if l.Href != "" {
			out = append(out, l)
		}
	}
	return out
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b.UTC()
	}
	return a.UTC()
}
