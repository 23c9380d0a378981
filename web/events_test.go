package web

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"herald/subscribers"
)

// emitted records the events the pages and the API emit.
type emitted struct {
	mu  sync.Mutex
	got []string // "type key"
}

func (e *emitted) emit(_ context.Context, typ, key string, _ any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, typ+" "+key)
}

func (e *emitted) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.got)
}

// Confirming a sign-up, a one-click unsubscribe and an API change to
// unsubscribed emit their events once each; a repeat emits nothing.
func TestSubscriberEvents(t *testing.T) {
	ev := &emitted{}
	f := newFixture(t, func(d *Deps) { d.Emit = ev.emit })
	f.addSub(reader("ann", "ann@example.com", "japan"))
	f.addSub(reader("bob", "bob@example.com", "japan"))
	unsub := "/u/" + f.token("ann", subscribers.ActionUnsubscribe)
	for range 2 {
		f.do("POST", unsub, "List-Unsubscribe=One-Click", "Content-Type: application/x-www-form-urlencoded")
	}
	for range 2 {
		if r := f.api("PATCH", "/v1/subscribers/bob", `{"status":"unsubscribed"}`); r.Status != 200 {
			t.Fatalf("PATCH: %d %s", r.Status, r.Body)
		}
	}
	f.api("POST", "/v1/subscribers", `{"id":"new","email":"new@example.com","topics":["japan"],"confirm":true}`)
	path := strings.TrimPrefix(f.confirmations()[0].URL, f.srv.URL)
	f.form(path, url.Values{"csrf": {csrfOf(t, f.do("GET", path, "").Body)}})
	want := []string{"subscriber.unsubscribed ann", "subscriber.unsubscribed bob", "subscriber.confirmed new"}
	if got := ev.list(); !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}
