package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"herald/internal/egress"
)

// Defaults of a Fetcher.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBytes     = 10 << 20 // 10 MiB
	DefaultMaxRedirects = 5
)

// Fetcher gets feed documents over HTTP.
type Fetcher struct {
	client   *http.Client
	maxBytes int64
	agent    string
}

// NewFetcher returns a fetcher that dials only public addresses, or any
// address of a host on hosts' allow-list; gives up after timeout; follows
// at most DefaultMaxRedirects redirects; and refuses a body over maxBytes.
func NewFetcher(hosts *egress.Hosts, timeout time.Duration, maxBytes int64, agent string) *Fetcher {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = hosts.DialContext
	tr.Proxy = nil // the dialer's check must see the feed's own address
	c := &http.Client{Timeout: timeout, Transport: tr, CheckRedirect: limitRedirects}
	return &Fetcher{client: c, maxBytes: maxBytes, agent: agent}
}

func limitRedirects(_ *http.Request, via []*http.Request) error {
	if len(via) > DefaultMaxRedirects {
		return fmt.Errorf("more than %d redirects", DefaultMaxRedirects)
	}
	return nil
}

// Document is a fetched feed: its bytes and validators, or NotModified.
type Document struct {
	NotModified        bool
	Body               []byte
	ETag, LastModified string
}

// HTTPError is an answer other than 200 and 304. RetryAfter is the
// server's Retry-After (a 429 or 503), zero when none.
type HTTPError struct {
	Code       int
	RetryAfter time.Duration
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("HTTP %d %s", e.Code, http.StatusText(e.Code))
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %v)", e.RetryAfter)
	}
	return msg
}

// ErrTooLarge is a body over the fetcher's cap.
var ErrTooLarge = errors.New("body too large")

// Fetch gets url, sending the validators of the last answer.
func (f *Fetcher) Fetch(ctx context.Context, url string, last Status, now time.Time) (*Document, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", f.agent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8")
	if last.ETag != "" {
		req.Header.Set("If-None-Match", last.ETag)
	}
	if last.LastModified != "" {
		req.Header.Set("If-Modified-Since", last.LastModified)
	}
	res, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	return f.read(res, now)
}

func (f *Fetcher) read(res *http.Response, now time.Time) (*Document, error) {
	switch res.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		return &Document{NotModified: true, ETag: res.Header.Get("ETag"), LastModified: res.Header.Get("Last-Modified")}, nil
	default:
		return nil, &HTTPError{Code: res.StatusCode, RetryAfter: retryAfter(res, now)}
	}
	if res.ContentLength > f.maxBytes {
		return nil, f.tooLarge()
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, f.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if int64(len(body)) > f.maxBytes {
		return nil, f.tooLarge()
	}
	return &Document{Body: body, ETag: res.Header.Get("ETag"), LastModified: res.Header.Get("Last-Modified")}, nil
}

func (f *Fetcher) tooLarge() error {
	return fmt.Errorf("%w: over %d bytes (HERALD_FEED_MAX_BYTES), refused", ErrTooLarge, f.maxBytes)
}

// retryAfter reads a 429's or 503's Retry-After: seconds or an HTTP date.
func retryAfter(res *http.Response, now time.Time) time.Duration {
	if res.StatusCode != http.StatusTooManyRequests && res.StatusCode != http.StatusServiceUnavailable {
		return 0
	}
	v := res.Header.Get("Retry-After")
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return min(time.Duration(n)*time.Second, MaxBackoff)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), MaxBackoff)
	}
	return 0
}
