package subscribers_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"herald/internal/redistest"
	"herald/subscribers"
)

var t0 = utc("2026-06-01T05:00:00Z")

func TestAddGet(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	sub := mustAdd(t, st, &subscribers.Subscriber{
		Email: "Ann@Example.com", Name: "Ann", TimeZone: "Europe/London",
		Schedule: "daily at 7:00", Topics: []string{"Japan", "South Korea"},
	})
	if len(sub.ID) != 16 {
		t.Errorf("ID %q, want 16 hex characters", sub.ID)
	}
	if !sub.CreatedAt.Equal(t0) || !sub.Cursor.Equal(t0) {
		t.Errorf("CreatedAt %v Cursor %v, want %v", sub.CreatedAt, sub.Cursor, t0)
	}
	if want := utc("2026-06-01T06:00:00Z"); !sub.NextDue.Equal(want) { // 07:00 BST
		t.Errorf("NextDue %v, want %v", sub.NextDue, want)
	}
	got, err := st.Get(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", *sub) {
		t.Errorf("Get =\n%+v\nwant\n%+v", *got, *sub)
	}
	byEmail, err := st.GetByEmail(ctx, "ann@EXAMPLE.com")
	if err != nil || byEmail.ID != sub.ID {
		t.Errorf("GetByEmail = %v, %v", byEmail, err)
	}
	if _, err := st.Get(ctx, "nope"); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("Get(missing) = %v, want ErrNotFound", err)
	}
	if _, err := st.GetByEmail(ctx, "nobody@example.com"); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("GetByEmail(missing) = %v, want ErrNotFound", err)
	}
	slackSub := mustAdd(t, st, &subscribers.Subscriber{
		Kind: subscribers.KindSlack, WebhookURL: "https://hooks.slack.com/services/T/B/X", Schedule: "instant",
	})
	got, err = st.Get(ctx, slackSub.ID)
	if err != nil || got.WebhookURL != slackSub.WebhookURL || !got.NextDue.IsZero() {
		t.Errorf("slack Get = %+v, %v", got, err)
	}
}

func TestAddExists(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	first := mustAdd(t, st, &subscribers.Subscriber{Email: "ann@example.com"})
	tests := []struct {
		name string
		sub  subscribers.Subscriber
	}{
		{"same email", subscribers.Subscriber{Email: "ann@example.com"}},
		{"email in other case", subscribers.Subscriber{Email: "ANN@example.COM"}},
		{"same id", subscribers.Subscriber{ID: first.ID, Email: "other@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := st.Add(ctx, &tt.sub); !errors.Is(err, subscribers.ErrExists) {
				t.Fatalf("Add = %v, want ErrExists", err)
			}
		})
	}
	// The failed same-id add must not have freed or taken anything.
	if _, err := st.GetByEmail(ctx, "other@example.com"); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("other@example.com: %v, want ErrNotFound", err)
	}
	mustAdd(t, st, &subscribers.Subscriber{Email: "other@example.com"})

	ch := &subscribers.Subscriber{SlackChannel: "C0123ABCD"}
	mustAdd(t, st, ch)
	if err := st.Add(ctx, &subscribers.Subscriber{SlackChannel: "C0123ABCD"}); !errors.Is(err, subscribers.ErrExists) {
		t.Errorf("second slack channel add = %v, want ErrExists", err)
	}
	if n, _ := st.Count(ctx); n != 3 {
		t.Errorf("Count = %d, want 3", n)
	}
}

// A destination key left behind by a crash (its subscriber gone) does not
// block the address forever.
func TestAddTakesOverOrphanedEmail(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := subscribers.NewStore(rdb, prefix, func() time.Time { return t0 })
	ctx := context.Background()
	sub := mustAdd(t, st, &subscribers.Subscriber{Email: "ann@example.com"})
	rdb.Del(ctx, prefix+"sub:{"+sub.ID+"}")
	again := mustAdd(t, st, &subscribers.Subscriber{Email: "ann@example.com"})
	got, err := st.GetByEmail(ctx, "ann@example.com")
	if err != nil || got.ID != again.ID {
		t.Errorf("GetByEmail = %v, %v; want %s", got, err, again.ID)
	}
}

func TestUpdate(t *testing.T) {
	st, clk := newStore(t, t0)
	ctx := context.Background()
	sub := mustAdd(t, st, &subscribers.Subscriber{Email: "ann@example.com", Topics: []string{"japan", "china"}})
	clk.Set(t0.Add(time.Hour))

	upd := *sub
	upd.Email, upd.Name, upd.Topics = "ann@new.example", "Ann", []string{"japan", "korea"}
	if err := st.Update(ctx, &upd); err != nil {
		t.Fatal(err)
	}
	got, _ := st.Get(ctx, sub.ID)
	if got.Email != "ann@new.example" || got.Name != "Ann" || !slices.Equal(got.Topics, []string{"japan", "korea"}) {
		t.Errorf("after Update: %+v", got)
	}
	if !got.CreatedAt.Equal(t0) || !got.Cursor.Equal(t0) || !got.NextDue.Equal(sub.NextDue) {
		t.Errorf("Update moved created/cursor/next due: %+v", got)
	}
	if _, err := st.GetByEmail(ctx, "ann@example.com"); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("old email still claimed: %v", err)
	}
	mustAdd(t, st, &subscribers.Subscriber{Email: "ann@example.com"}) // old address free again
	checkFollowers(t, st, "china", nil)
	checkFollowers(t, st, "korea", []string{sub.ID})

	t.Run("schedule change recomputes next due from now", func(t *testing.T) {
		got.Schedule, got.TimeZone = "daily 09:00", "Asia/Tokyo"
		if err := st.Update(ctx, got); err != nil {
			t.Fatal(err)
		}
		if want := utc("2026-06-02T00:00:00Z"); !got.NextDue.Equal(want) {
			t.Errorf("NextDue %v, want %v (09:00 JST after 06:00Z)", got.NextDue, want)
		}
		// ann@example.com, added again above, is due at 07:00Z.
		checkBacklog(t, st, utc("2026-06-01T23:59:00Z"), 1)
		checkBacklog(t, st, utc("2026-06-02T00:00:00Z"), 2)
	})
	t.Run("paused leaves the due set", func(t *testing.T) {
		got.Status = subscribers.StatusPaused
		if err := st.Update(ctx, got); err != nil {
			t.Fatal(err)
		}
		checkBacklog(t, st, utc("2026-06-09T00:00:00Z"), 1)
	})
	t.Run("active again is due again", func(t *testing.T) {
		got.Status = subscribers.StatusActive
		if err := st.Update(ctx, got); err != nil {
			t.Fatal(err)
		}
		checkBacklog(t, st, utc("2026-06-02T00:00:00Z"), 2)
	})
	t.Run("email taken", func(t *testing.T) {
		got.Email = "ann@example.com"
		if err := st.Update(ctx, got); !errors.Is(err, subscribers.ErrExists) {
			t.Errorf("Update to a taken email = %v, want ErrExists", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		if err := st.Update(ctx, &subscribers.Subscriber{ID: "nope", Email: "x@example.com"}); !errors.Is(err, subscribers.ErrNotFound) {
			t.Errorf("Update(missing) = %v", err)
		}
	})
	t.Run("kind cannot change", func(t *testing.T) {
		s := &subscribers.Subscriber{ID: sub.ID, SlackChannel: "C0123ABCD"}
		var verr *subscribers.ValidationError
		if err := st.Update(ctx, s); !errors.As(err, &verr) || verr.Field != "kind" {
			t.Errorf("Update(kind) = %v", err)
		}
	})
}

func TestRemove(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	sub := mustAdd(t, st, &subscribers.Subscriber{Email: "ann@example.com", Topics: []string{"japan"}})
	keep := mustAdd(t, st, &subscribers.Subscriber{Email: "bob@example.com", Topics: []string{"japan"}})
	if err := st.Remove(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, sub.ID); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("Get after Remove = %v", err)
	}
	checkFollowers(t, st, "japan", []string{keep.ID})
	checkBacklog(t, st, t0.Add(48*time.Hour), 1)
	if n, _ := st.Count(ctx); n != 1 {
		t.Errorf("Count = %d, want 1", n)
	}
	if err := st.Remove(ctx, sub.ID); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("second Remove = %v", err)
	}
	mustAdd(t, st, &subscribers.Subscriber{Email: "ann@example.com"})
}

func TestFollowUnfollow(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	sub := mustAdd(t, st, &subscribers.Subscriber{Email: "ann@example.com"})
	other := mustAdd(t, st, &subscribers.Subscriber{Email: "bob@example.com", Topics: []string{"japan"}})
	if err := st.Follow(ctx, sub.ID, "Japan", "South Korea", "south-korea"); err != nil {
		t.Fatal(err)
	}
	got, _ := st.Get(ctx, sub.ID)
	if !slices.Equal(got.Topics, []string{"japan", "south-korea"}) {
		t.Errorf("Topics %v", got.Topics)
	}
	checkFollowers(t, st, "japan", sorted(sub.ID, other.ID))
	checkFollowers(t, st, "South Korea", []string{sub.ID})
	counts, err := st.FollowerCounts(ctx, []string{"japan", "south-korea", "nothing"})
	if err != nil || counts["japan"] != 2 || counts["south-korea"] != 1 || counts["nothing"] != 0 {
		t.Errorf("FollowerCounts = %v, %v", counts, err)
	}
	if err := st.Unfollow(ctx, sub.ID, "japan"); err != nil {
		t.Fatal(err)
	}
	checkFollowers(t, st, "japan", []string{other.ID})
	if err := st.Follow(ctx, "nope", "japan"); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("Follow(missing) = %v", err)
	}
	checkFollowers(t, st, "japan", []string{other.ID})
	var verr *subscribers.ValidationError
	if err := st.Follow(ctx, sub.ID, "!!!"); !errors.As(err, &verr) || verr.Field != "topics" {
		t.Errorf("Follow(!!!) = %v", err)
	}
	many := make([]string, subscribers.MaxTopics)
	for i := range many {
		many[i] = fmt.Sprintf("t%03d", i)
	}
	if err := st.Follow(ctx, sub.ID, many...); !errors.As(err, &verr) || verr.Field != "topics" {
		t.Errorf("Follow beyond the limit = %v", err)
	}
	checkFollowers(t, st, "t000", nil)
}

func TestList(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	var want []string
	for i := range 25 {
		sub := mustAdd(t, st, &subscribers.Subscriber{Email: fmt.Sprintf("r%02d@example.com", i)})
		want = append(want, sub.ID)
	}
	slices.Sort(want)
	var got []string
	after, pages := "", 0
	for {
		subs, next, err := st.List(ctx, after, 10)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range subs {
			got = append(got, s.ID)
		}
		if next == "" {
			break
		}
		after = next
	}
	slices.Sort(got)
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("listed %d ids in %d pages, want %d in 3, each once", len(got), pages, len(want))
	}
	if _, _, err := st.List(ctx, "99.0.0", 10); !errors.Is(err, subscribers.ErrBadCursor) {
		t.Errorf("List(bad cursor) = %v, want ErrBadCursor", err)
	}
	subs, next, err := st.List(ctx, "", 25)
	if err != nil || len(subs) != 25 || next != "" {
		t.Errorf("List(25) = %d subs, next %q, %v", len(subs), next, err)
	}
}

func checkFollowers(t *testing.T, st *subscribers.Store, slug string, want []string) {
	t.Helper()
	counts, err := st.FollowerCounts(context.Background(), []string{slug})
	if err != nil || counts[slug] != int64(len(want)) {
		t.Errorf("FollowerCounts(%s) = %v, %v; want %d (%v)", slug, counts, err, len(want), want)
	}
}

// checkBacklog fails unless want subscribers are due at at.
func checkBacklog(t *testing.T, st *subscribers.Store, at time.Time, want int64) {
	t.Helper()
	n, _, err := st.Backlog(context.Background(), at)
	if err != nil || n != want {
		t.Errorf("Backlog(%v) = %d, %v; want %d", at, n, err, want)
	}
}

func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

func TestInstantFollowersOf(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	instant := mustAdd(t, st, &subscribers.Subscriber{Email: "now@example.com", Schedule: "instant", Topics: []string{"japan", "china"}})
	mustAdd(t, st, &subscribers.Subscriber{Email: "daily@example.com", Topics: []string{"japan"}})
	team := mustAdd(t, st, &subscribers.Subscriber{Kind: subscribers.KindSlack, SlackChannel: "C0TEAM001", Schedule: "instant", Topics: []string{"china"}})
	paused := mustAdd(t, st, &subscribers.Subscriber{Email: "paused@example.com", Schedule: "instant", Topics: []string{"japan"}})
	paused.Status = subscribers.StatusPaused
	if err := st.Update(ctx, paused); err != nil {
		t.Fatal(err)
	}
	got, err := st.InstantFollowersOf(ctx, []string{"japan", "china", "chile"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]subscribers.Kind{instant.ID: subscribers.KindEmail, team.ID: subscribers.KindSlack}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want the active instant email reader and team once each", got)
	}
	for _, f := range got {
		if want[f.ID] != f.Kind {
			t.Errorf("unexpected follower %+v", f)
		}
	}
}
