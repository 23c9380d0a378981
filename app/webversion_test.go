package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"herald/app"
	"herald/internal/redistest"
	"herald/subscribers"
	"herald/web"
)

// htmlPart is the decoded HTML part of a raw message.
func htmlPart(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(m.Body)
	i := bytes.Index(body, []byte("Content-Type: text/html"))
	if i < 0 {
		t.Fatal("no HTML part")
	}
	part := body[i:]
	part = part[bytes.Index(part, []byte("\r\n\r\n"))+4:]
	html, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(part)))
	if err != nil {
		t.Fatal(err)
	}
	return string(html)
}

var webLinkRE = regexp.MustCompile(`href="(https://herald\.example\.com/m/[^"#]+)"[^>]*>View in browser<`)

func TestWebVersionGathersTheSentDigestAgain(t *testing.T) {
	h := newHarness(t)
	h.reader("jiwoo@example.com")
	h.clock.Set(h.clock.Now().Add(time.Hour))
	seed := h.seedStory()
	if st := h.dispatchAt(time.Date(2026, 11, 28, 22, 0, 5, 0, time.UTC)); st.Sent != 1 {
		t.Fatalf("stats %+v", st)
	}
	sent := htmlPart(t, h.smtp.Messages()[0].Data)
	m := webLinkRE.FindStringSubmatch(sent)
	if m == nil {
		t.Fatalf("the email has no view-in-browser link")
	}
	token := strings.TrimPrefix(m[1], "https://herald.example.com/m/")
	page, err := h.app.WebVersion(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{seed.Headline[:40], "In this digest: 1 story", "For Park Ji-woo"} {
		if !strings.Contains(string(page), strings.ReplaceAll(want, "'", "&#39;")) {
			t.Errorf("web version lacks %q", want)
		}
	}
	// A new story in the same topics, after the window, stays out.
	h.clock.Set(time.Date(2026, 11, 28, 23, 0, 0, 0, time.UTC))
	later := *seed
	later.ID, later.Headline, later.IngestedAt = "later-story", "A later story on Japan", time.Time{}
	if _, err := h.app.Ingest(context.Background(), &later); err != nil {
		t.Fatal(err)
	}
	if page, _ = h.app.WebVersion(context.Background(), token); strings.Contains(string(page), "A later story") {
		t.Errorf("web version shows a story from after its window")
	}
	// Once the stories are gone the page says so.
	for _, id := range []string{seed.ID, "later-story"} {
		if err := h.app.Stories.Delete(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.app.WebVersion(context.Background(), token); !errors.Is(err, web.ErrVersionGone) {
		t.Errorf("after the stories expired: %v, want ErrVersionGone", err)
	}
	if _, err := h.app.WebVersion(context.Background(), token+"x"); err == nil {
		t.Errorf("a tampered token renders a page")
	}
}

// TestWebVersionOfARecreatedSubscriber: a message's web version link
// outlives its subscriber but shows nothing of a new one given the same ID.
func TestWebVersionOfARecreatedSubscriber(t *testing.T) {
	h := newHarness(t)
	old := h.reader("jiwoo@example.com")
	h.clock.Set(h.clock.Now().Add(time.Hour))
	h.seedStory()
	if st := h.dispatchAt(time.Date(2026, 11, 28, 22, 0, 5, 0, time.UTC)); st.Sent != 1 {
		t.Fatalf("stats %+v", st)
	}
	token := strings.TrimPrefix(webLinkRE.FindStringSubmatch(htmlPart(t, h.smtp.Messages()[0].Data))[1], "https://herald.example.com/m/")
	ctx := context.Background()
	if err := h.app.Subs.Remove(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	next := &subscribers.Subscriber{ID: old.ID, Email: "someone.else@example.com", Name: "Someone Else", TimeZone: "Europe/Paris"}
	if err := h.app.Subs.Add(ctx, next); err != nil {
		t.Fatal(err)
	}
	page, err := h.app.WebVersion(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(page), "Someone Else") || strings.Contains(string(page), "someone.else") {
		t.Error("the old message's web version shows the new subscriber")
	}
	unsub := regexp.MustCompile(`https://herald\.example\.com/u/([^"]+)"`).FindStringSubmatch(string(page))
	if unsub == nil {
		t.Fatal("the web version has no unsubscribe link")
	}
	ref, err := subscribers.VerifyToken(h.app.Keys, unsub[1], subscribers.ActionUnsubscribe, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.app.Subs.GetByToken(ctx, ref); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("its unsubscribe link acts on the new subscriber: %v", err)
	}
}

func TestPostalAddressWarnedWhenUnset(t *testing.T) {
	for _, postal := range []string{"", "1 Press Street, Springfield 12345"} {
		h := newHarness(t)
		rdb, prefix := redistest.Client(t)
		var logs bytes.Buffer
		cfg := h.app.Cfg
		cfg.RedisPrefix, cfg.PostalAddress = prefix, postal
		a, err := app.New(context.Background(), cfg, app.Options{RDB: rdb, Now: h.clock.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		chans, err := a.OpenChannels(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		_ = chans.Close()
		if warned := strings.Contains(logs.String(), "HERALD_POSTAL_ADDRESS is not set"); warned != (postal == "") {
			t.Errorf("postal %q: warned = %v; logs:\n%s", postal, warned, logs.String())
		}
	}
}

// Each topic of "More on these topics" links to unfollowing that topic
// alone, signed for the reader.
func TestDigestLinksUnfollowPerTopic(t *testing.T) {
	h := newHarness(t)
	h.reader("jiwoo@example.com")
	h.clock.Set(h.clock.Now().Add(time.Hour))
	h.seedStory()
	if st := h.dispatchAt(time.Date(2026, 11, 28, 22, 0, 5, 0, time.UTC)); st.Sent != 1 {
		t.Fatalf("stats %+v", st)
	}
	sent := htmlPart(t, h.smtp.Messages()[0].Data)
	links := regexp.MustCompile(`href="https://herald.example.com/f/([a-z0-9-]+)/([^"]+)"[^>]*>Unfollow ([^<]+)</a>`).FindAllStringSubmatch(sent, -1)
	if len(links) == 0 {
		t.Fatalf("the email has no unfollow link:\n%s", sent)
	}
	for _, l := range links {
		ref, err := subscribers.VerifyToken(h.app.Keys, l[2], subscribers.ActionUnfollow(l[1]), h.clock.Now())
		if err != nil {
			t.Errorf("unfollow %s (%q): %v", l[1], l[3], err)
			continue
		}
		if sub, err := h.app.Subs.GetByToken(context.Background(), ref); err != nil || sub.Email != "jiwoo@example.com" {
			t.Errorf("unfollow %s names %+v, %v", l[1], sub, err)
		}
	}
}
