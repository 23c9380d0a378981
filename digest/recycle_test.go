package digest_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"herald/digest"
	"herald/subscribers"
)

// copier is a channel that keeps a copy of what it sends, and says so.
type copier struct {
	mu    sync.Mutex
	msgs  []*digest.Message
	htmls [][]byte
}

func (c *copier) Send(_ context.Context, msg *digest.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, msg)
	c.htmls = append(c.htmls, bytes.Clone(msg.Email.HTML))
	return nil
}

func (c *copier) CopiesMessages() bool { return true }

// keeper records copies too, but does not say it copies.
type keeper struct{ copier }

func (k *keeper) CopiesMessages() bool { return false }

// sendTwo sends two readers their digests through ch and returns the HTML
// each was sent, by address.
func sendTwo(t *testing.T, ch interface {
	digest.Channel
	sent() ([]*digest.Message, [][]byte)
}) map[string][]byte {
	t0 := mustTime("2026-11-27T06:00:00Z")
	e := newEnv(t, t0)
	e.runner.Channels = map[subscribers.Kind]digest.Channel{subscribers.KindEmail: ch}
	e.runner.Workers = 1
	e.addReader("a@example.com", "UTC", "daily 07:00", "japan")
	e.addReader("b@example.com", "Asia/Tokyo", "daily 16:00", "japan")
	e.clock.Set(t0.Add(30 * time.Minute))
	e.ingest("s1", t0, "Japan")
	e.clock.Set(mustTime("2026-11-27T07:00:05Z"))
	if st := e.run(); st.Sent != 2 {
		t.Fatalf("stats %+v, want two sent", st)
	}
	out := map[string][]byte{}
	msgs, htmls := ch.sent()
	for i, m := range msgs {
		out[m.To.Email] = htmls[i]
	}
	return out
}

func (c *copier) sent() ([]*digest.Message, [][]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.msgs, c.htmls
}

// Through a channel that copies what it sends, the runner hands each
// email's buffers back to the templates once sent, and the next email
// rendered into them is what it would be otherwise; a channel that does
// not say so keeps its messages whole.
func TestSentEmailRecycled(t *testing.T) {
	c, k := &copier{}, &keeper{}
	got, want := sendTwo(t, c), sendTwo(t, k)
	for addr, html := range want {
		if !bytes.Equal(got[addr], html) {
			t.Errorf("%s: sent other bytes through recycled buffers", addr)
		}
	}
	for i, m := range c.msgs {
		if m.Email != nil {
			t.Errorf("message %d: email kept after a copying channel sent it", i)
		}
	}
	for i, m := range k.msgs {
		if m.Email == nil || !bytes.Equal(m.Email.HTML, k.htmls[i]) {
			t.Errorf("message %d: email not kept whole for a channel that keeps it", i)
		}
	}
}
