package web

import (
	"net/http"
	"sync"
	"time"
)

// topicCacheTTL is how long a built topic page or feed is served from
// memory before Redis is read again; maxTopicCache bounds the entries (a
// full cache starts afresh).
const (
	topicCacheTTL = 30 * time.Second
	maxTopicCache = 1000
)

// topicCache keeps built topic pages and feeds by path and query, so many
// readers (and feed readers polling) cost one build per TTL.
type topicCache struct {
	mu      sync.Mutex
	entries map[string]cachedPage
}

type cachedPage struct {
	body        []byte
	contentType string
	built       time.Time
}

func (c *topicCache) get(key string, now time.Time) (cachedPage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.entries[key]
	if !ok || now.Sub(p.built) >= topicCacheTTL || now.Before(p.built) {
		return cachedPage{}, false
	}
	return p, true
}

func (c *topicCache) put(key string, p cachedPage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxTopicCache {
		c.entries = make(map[string]cachedPage)
	}
	c.entries[key] = p
}

// cachedTopic serves the page at the request's path and query from the
// cache, or builds it with build (nil: build answered already) and keeps
// it.
func (s *Server) cachedTopic(w http.ResponseWriter, r *http.Request, build func() *cachedPage) {
	key := r.Host + r.URL.Path + "?" + r.URL.RawQuery // links are absolute on the request's host when BaseURL is unset
	p, ok := s.topics.get(key, s.d.Now())
	if !ok {
		built := build()
		if built == nil {
			return
		}
		built.built = s.d.Now()
		s.topics.put(key, *built)
		p = *built
	}
	s.writeCached(w, r, p.contentType, p.body)
}
