package stories

import (
	"time"
)

// A Story is one page the newsroom publishes. Every field is untrusted input:
// it is validated on the way in and escaped for its context on the way out.
type Story struct {
	ID       string `json:"id"`
	URL      string `json:"url"`
	Headline string `json:"headline"`
	// Priority is the newsroom's importance, 0 (the default, and what a
	// story stored before the field existed reads as) to MaxPriority. A
	// digest ranks higher priority first (see digest's ranking rule).
	Priority    int        `json:"priority,omitempty"`
	Summary     string     `json:"summary"` // "What's happened": the digest's blurb
	Analysis    []Analysis `json:"analysis,omitempty"`
	Sources     []Source   `json:"sources,omitempty"`
	Background  string     `json:"background,omitempty"` // "How we got here"
	Image       string     `json:"image,omitempty"`      // the story's picture (absolute http(s) URL), optional
	Questions   []Question `json:"questions,omitempty"`  // "Go deeper"
	Topics      []Topic    `json:"topics"`
	PublishedAt time.Time  `json:"published_at"`
	// IngestedAt is set by the store on first ingest and kept on re-import,
	// so an updated story never re-enters a window it has already been in.
	IngestedAt time.Time `json:"ingested_at,omitzero"`
}

// Analysis is one subheading of "What's behind the headline".
type Analysis struct {
	Heading string `json:"heading"`
	Body    string `json:"body"`
}

// Source is one outlet's take in "What the papers say".
type Source struct {
	Outlet  string `json:"outlet"`
	URL     string `json:"url,omitempty"`
	Summary string `json:"summary"`
}

// Question is one "Go deeper" explainer.
type Question struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Topic is what subscribers follow. Slug is the stable key ("south-korea");
// Name and Description live once in the topic registry.
type Topic struct {
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}
