package web

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/internal/keyring"
	"herald/subscribers"
)

// TestOldLinkDoesNotActOnRecreatedSubscriber: the reader pages refuse a
// link signed for a removed subscriber once another is created with the
// same ID: they show nothing of the new one and change nothing.
func TestOldLinkDoesNotActOnRecreatedSubscriber(t *testing.T) {
	f := newFixture(t)
	f.putStory("s1", "Japan", "Markets")
	f.addSub(reader("ann", "ann@example.com", "japan"))
	links := map[string]string{
		"unsubscribe": "/u/" + f.token("ann", subscribers.ActionUnsubscribe),
		"preferences": "/p/" + f.token("ann", subscribers.ActionPreferences),
		"confirm":     "/c/" + f.token("ann", subscribers.ActionConfirm),
	}
	csrf := csrfOf(t, f.do("GET", links["preferences"], "").Body)
	if err := f.subs.Remove(t.Context(), "ann"); err != nil {
		t.Fatal(err)
	}
	carol := reader("ann", "carol@example.com", "japan")
	carol.Name = "Carol"
	f.addSub(carol)
	for name, path := range links {
		t.Run(name, func(t *testing.T) {
			for _, r := range []response{
				f.do("GET", path, ""),
				f.do("POST", path, "List-Unsubscribe=One-Click", "Content-Type: application/x-www-form-urlencoded"),
				f.form(path, prefsValues(csrf, []string{"markets"}, func(v url.Values) { v.Set("status", "paused") })),
			} {
				wantPage(t, r, 404, "no longer exists")
				if strings.Contains(r.Body, "carol") {
					t.Errorf("the old link shows the new subscriber:\n%s", r.Body)
				}
			}
			if got := f.getSub("ann"); got.Status != subscribers.StatusActive || got.Email != "carol@example.com" || !slices.Equal(got.Topics, []string{"japan"}) {
				t.Errorf("the old link changed the new subscriber: %+v", got)
			}
		})
	}
	wantPage(t, f.do("GET", "/p/"+f.token("ann", subscribers.ActionPreferences), ""), 200, "carol@example.com")
}

// TestKeyRotation: with HERALD_SECRET rotated and the old one in
// PreviousSecrets, links and forms signed with the old key still work and
// new ones are signed with the new key; a key the server does not hold is
// refused.
func TestKeyRotation(t *testing.T) {
	newSecret := []byte("the-new-secret-after-rotation-0123456789")
	unknownSecret := []byte("a-secret-this-server-never-had-012345")
	f := newFixture(t, func(d *Deps) { d.Secret, d.PreviousSecrets = newSecret, [][]byte{testSecret} })
	f.putStory("s1", "Japan", "Markets")
	f.addSub(reader("ann", "ann@example.com", "japan"))
	f.addSub(reader("bob", "bob@example.com", "japan"))
	exp := f.clock.Now().Add(time.Hour)

	t.Run("unknown key", func(t *testing.T) {
		path := "/u/" + f.signed(keyring.New(unknownSecret), "bob", subscribers.ActionUnsubscribe, exp)
		wantPage(t, f.do("POST", path, "List-Unsubscribe=One-Click", "Content-Type: application/x-www-form-urlencoded"), 403, "Link not valid")
		prefs := "/p/" + f.token("bob", subscribers.ActionPreferences)
		forged := csrfToken(unknownSecret, prefsSubject("bob"), f.clock.Now())
		wantPage(t, f.form(prefs, prefsValues(forged, []string{"markets"}, nil)), 403, "Form expired")
		if got := f.getSub("bob"); got.Status != subscribers.StatusActive || !slices.Equal(got.Topics, []string{"japan"}) {
			t.Errorf("bob changed: %+v", got)
		}
	})
	t.Run("previous key's form token", func(t *testing.T) {
		prefs := "/p/" + f.token("bob", subscribers.ActionPreferences)
		old := csrfToken(testSecret, prefsSubject("bob"), f.clock.Now())
		if r := f.form(prefs, prefsValues(old, []string{"markets"}, nil)); r.Status != 303 {
			t.Fatalf("save with a form token from before the rotation: %d %s", r.Status, r.Body)
		}
	})
	t.Run("previous key's unsubscribe link", func(t *testing.T) {
		path := "/u/" + f.token("ann", subscribers.ActionUnsubscribe) // testKeys: the old secret
		r := f.do("GET", path, "")
		wantPage(t, r, 200, "Unsubscribe?")
		prefs := regexp.MustCompile(`href="/p/([^"]+)"`).FindStringSubmatch(r.Body)
		if _, err := subscribers.VerifyToken(keyring.New(newSecret), prefs[1], subscribers.ActionPreferences, f.clock.Now()); err != nil {
			t.Errorf("the page's new link is not signed with the new key: %v", err)
		}
		wantPage(t, f.do("POST", path, "List-Unsubscribe=One-Click", "Content-Type: application/x-www-form-urlencoded"), 200, "You are unsubscribed")
		if got := f.getSub("ann"); got.Status != subscribers.StatusUnsubscribed {
			t.Errorf("ann: %+v", got)
		}
	})
}
