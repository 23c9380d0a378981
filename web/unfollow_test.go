package web

import (
	"slices"
	"testing"

	"herald/subscribers"
)

// The "Unfollow TOPIC" link of a digest: a GET only asks, the button
// stops following that topic alone, and the link is good for its topic
// only.
func TestUnfollowLink(t *testing.T) {
	f := newFixture(t)
	f.putStory("s1", "Japan", "South Korea")
	f.addSub(reader("ann", "ann@example.com", "japan", "south-korea"))
	path := "/f/japan/" + f.token("ann", subscribers.ActionUnfollow("japan"))

	r := f.do("GET", path, "")
	wantPage(t, r, 200, "Unfollow Japan?", `method="post" action="`+path+`"`, "ann@example.com", `href="/p/`)
	if got := f.getSub("ann").Topics; !slices.Equal(got, []string{"japan", "south-korea"}) {
		t.Fatalf("GET changed the follows: %v", got)
	}
	r = f.do("POST", path, "", "Content-Type: application/x-www-form-urlencoded")
	wantPage(t, r, 200, "You no longer follow Japan.", "other topics")
	if got := f.getSub("ann").Topics; !slices.Equal(got, []string{"south-korea"}) {
		t.Errorf("follows after unfollowing Japan: %v, want [south-korea]", got)
	}
	wantPage(t, f.do("GET", path, ""), 200, "You no longer follow Japan.")

	// A link for one topic does not unfollow another, nor unsubscribe.
	other := "/f/south-korea/" + f.token("ann", subscribers.ActionUnfollow("japan"))
	wantPage(t, f.do("POST", other, ""), 403, "Link not valid")
	wantPage(t, f.do("POST", "/f/south-korea/"+f.token("ann", subscribers.ActionUnsubscribe), ""), 403, "Link not valid")
	if got := f.getSub("ann"); !slices.Equal(got.Topics, []string{"south-korea"}) || got.Status != subscribers.StatusActive {
		t.Errorf("after refused links: %+v", got)
	}
}
