package feeds

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mmcdole/gofeed"

	"herald/stories"
)

// Defaults of a Poller.
const (
	DefaultLease = 2 * time.Minute // how long a poll may hold a feed: longer than a fetch
	// DefaultMaxItems is how many items of one document are read: feeds
	// list their newest first, and a document of tiny items under the body
	// cap could otherwise hold tens of thousands.
	DefaultMaxItems = 500
)

// Poller polls feeds and ingests their items as stories.
type Poller struct {
	Store *Store
	Fetch *Fetcher
	// Ingest stores a story and alerts its instant followers when it is
	// new (app.Ingest); created says whether it was.
	Ingest func(ctx context.Context, st *stories.Story) (created bool, err error)
	// Stories, when set, is read before each item is written: an item
	// that is what is stored already is left alone (Outcome.Unchanged),
	// and an undated item keeps the time it was first seen.
	Stories  StoryReader
	Now      func() time.Time
	Logger   *slog.Logger
	Lease    time.Duration // DefaultLease when 0
	Workers  int           // feeds polled at once; 4 when 0
	MaxItems int           // items read from one document; DefaultMaxItems when 0
}

// Outcome is what one poll of one feed did.
type Outcome struct {
	Feed        string `json:"feed"`
	URL         string `json:"url"`
	Skipped     bool   `json:"skipped,omitempty"` // not due, or another process holds it
	NotModified bool   `json:"not_modified,omitempty"`
	New         int    `json:"new"`
	Updated     int    `json:"updated"`
	Unchanged   int    `json:"unchanged"`
	Rejected    int    `json:"rejected"`
	Error       string `json:"error,omitempty"`
}

// PollDue polls every feed whose next poll time has come (serve's job).
func (p *Poller) PollDue(ctx context.Context) ([]Outcome, error) { return p.poll(ctx, false) }

// PollAll polls every feed now, due or not (herald feeds poll); a feed
// another process is polling at that moment is skipped.
func (p *Poller) PollAll(ctx context.Context) ([]Outcome, error) { return p.poll(ctx, true) }

func (p *Poller) poll(ctx context.Context, force bool) ([]Outcome, error) {
	list, err := p.Store.List(ctx)
	if err != nil {
		return nil, err
	}
	now := p.Now()
	var todo []*Feed
	for _, f := range list {
		if force || f.Due(now) {
			todo = append(todo, f)
		}
	}
	out := make([]Outcome, len(todo))
	var wg sync.WaitGroup
	sem := make(chan struct{}, cmp.Or(max(p.Workers, 0), 4))
	for i, f := range todo {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i] = p.PollFeed(ctx, f.ID, force)
		})
	}
	wg.Wait()
	return out, nil
}

// PollFeed polls one feed under its lease; unless force, only if it is
// still due once the lease is held.
func (p *Poller) PollFeed(ctx context.Context, id string, force bool) Outcome {
	out := Outcome{Feed: id, Skipped: true}
	token := newToken()
	held, err := p.Store.Lease(ctx, id, token, p.leaseTTL())
	if err != nil || !held {
		return outcomeErr(out, err)
	}
	defer func() { _ = p.Store.Release(context.WithoutCancel(ctx), id, token) }()
	f, err := p.Store.Get(ctx, id)
	if err != nil {
		return outcomeErr(out, err)
	}
	out.URL = f.URL
	if !force && !f.Due(p.Now()) {
		return out // another process polled it while we waited
	}
	out.Skipped = false
	return p.pollLeased(ctx, f, out)
}

func outcomeErr(out Outcome, err error) Outcome {
	if err != nil {
		out.Error = err.Error()
	}
	return out
}

func (p *Poller) leaseTTL() time.Duration {
	if p.Lease > 0 {
		return p.Lease
	}
	return DefaultLease
}

// pollLeased fetches, parses and ingests f, then records its status.
func (p *Poller) pollLeased(ctx context.Context, f *Feed, out Outcome) Outcome {
	now := p.Now()
	st := f.Status
	st.LastPoll = now
	doc, err := p.Fetch.Fetch(ctx, f.URL, st, now)
	if err == nil && !doc.NotModified {
		err = p.ingestDocument(ctx, f, doc, &st, &out)
	}
	if ctx.Err() != nil { // shutting down: not the feed's fault, and it is due again
		return outcomeErr(out, ctx.Err())
	}
	if err == nil {
		out.NotModified = doc.NotModified
		st = succeeded(st, f, doc, now)
	} else {
		st = failed(st, f, err, now)
		out.Error = st.LastError
		p.logger().Warn("feed poll failed", slog.String("feed", f.ID), slog.String("url", f.URL), slog.Any("error", err))
	}
	if err := p.Store.SetStatus(ctx, f.ID, st); err != nil && out.Error == "" {
		out.Error = err.Error()
	}
	return out
}

// ingestDocument parses doc and ingests each item; an item that is not a
// valid story is counted, not fatal. A failing store is.
func (p *Poller) ingestDocument(ctx context.Context, f *Feed, doc *Document, st *Status, out *Outcome) error {
	parsed, err := gofeed.NewParser().Parse(bytes.NewReader(doc.Body))
	if err != nil {
		return fmt.Errorf("not an RSS, Atom or JSON feed: %w", err)
	}
	st.Items, st.Rejected, st.ItemError = len(parsed.Items), 0, ""
	for i, it := range parsed.Items[:min(len(parsed.Items), cmp.Or(p.MaxItems, DefaultMaxItems))] {
		if err := p.ingestItem(ctx, f, parsed, it, out); err != nil {
			var ve *stories.ValidationError
			if !errors.Is(err, errNoIdentity) && !errors.As(err, &ve) {
				return err
			}
			out.Rejected++
			st.Rejected, st.ItemError = out.Rejected, fmt.Sprintf("item %d: %v", i+1, err)
		}
	}
	return nil
}

func (p *Poller) ingestItem(ctx context.Context, f *Feed, doc *gofeed.Feed, it *gofeed.Item, out *Outcome) error {
	story, err := toStory(f, doc, it)
	if err != nil {
		return err
	}
	unchanged, err := p.prepare(ctx, story)
	if err != nil {
		return err
	}
	if unchanged {
		out.Unchanged++
		return nil
	}
	created, err := p.Ingest(ctx, story)
	switch {
	case err != nil:
		return err
	case created:
		out.New++
	default:
		out.Updated++
	}
	return nil
}

// succeeded is the status after a good poll: validators kept, errors
// cleared, next poll one interval on.
func succeeded(st Status, f *Feed, doc *Document, now time.Time) Status {
	if doc.ETag != "" || !doc.NotModified {
		st.ETag = doc.ETag
	}
	if doc.LastModified != "" || !doc.NotModified {
		st.LastModified = doc.LastModified
	}
	st.LastOK, st.LastError, st.ErrorSince, st.Failures = now, "", time.Time{}, 0
	st.NextPoll = now.Add(f.Interval)
	return st
}

// failed is the status after a failed poll: the interval doubled for each
// failure in a row (at most MaxBackoff), or a longer Retry-After.
func failed(st Status, f *Feed, err error, now time.Time) Status {
	if st.LastError == "" {
		st.ErrorSince = now
	}
	st.LastError, st.Failures = err.Error(), st.Failures+1
	wait := f.Interval << min(st.Failures-1, 16)
	var he *HTTPError
	if errors.As(err, &he) {
		wait = max(wait, he.RetryAfter)
	}
	st.NextPoll = now.Add(min(wait, MaxBackoff))
	return st
}

func (p *Poller) logger() *slog.Logger {
	if p.Logger == nil {
		return slog.Default()
	}
	return p.Logger
}

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
