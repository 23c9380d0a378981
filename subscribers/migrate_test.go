package subscribers_test

import (
	"context"
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"

	"herald/internal/redistest"
	"herald/subscribers"
)

// writeV1 writes two subscribers, a suppression and follower sets in the
// version 1 layout, as Herald before sharding wrote them.
func writeV1(t *testing.T, rdb redis.UniversalClient, p string) {
	t.Helper()
	ctx := context.Background()
	hash := func(id, email, schedule string) []any {
		return []any{"id", id, "kind", "email", "email", email, "name", "", "slack_channel", "",
			"webhook_url", "", "time_zone", "UTC", "schedule", schedule, "max_stories", "0",
			"status", "active", "created_at", "1764316800000", "cursor", "1764316800000",
			"next_due", "1764399600000", "bounces", "0", "last_error", ""}
	}
	cmds := [][]any{
		append([]any{"HSET", p + "sub:{a1}"}, hash("a1", "ann@example.com", "daily 07:00")...),
		{"SADD", p + "sub:{a1}:topics", "japan", "china"},
		append([]any{"HSET", p + "sub:{b2}"}, hash("b2", "bob@example.com", "instant")...),
		{"SADD", p + "sub:{b2}:topics", "japan"},
		{"ZADD", p + "subs", "1764316800000", "a1", "1764316800000", "b2"},
		{"ZADD", p + "subs:ids", "0", "a1", "0", "b2"},
		{"ZADD", p + "due", "1764399600000", "a1", "1764399600000", "gone"},
		{"SET", p + "email:ann@example.com", "a1"},
		{"SET", p + "email:bob@example.com", "b2"},
		{"SADD", p + "topic:japan:subs", "a1", "b2"},
		{"SADD", p + "topic:china:subs", "a1"},
		{"HSET", p + "suppressed", "cy@example.com", `{"email":"cy@example.com","reason":"unsubscribed","at":"2026-11-28T08:00:00Z"}`},
	}
	for _, c := range cmds {
		if err := rdb.Do(ctx, c...).Err(); err != nil {
			t.Fatalf("%v: %v", c, err)
		}
	}
}

func TestMigrateFromV1(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	writeV1(t, rdb, prefix)
	st := subscribers.NewStore(rdb, prefix, nil)
	if err := st.CheckLayout(ctx); !errors.Is(err, subscribers.ErrOldLayout) {
		t.Fatalf("CheckLayout on a version 1 store = %v, want ErrOldLayout", err)
	}
	for run := 1; run <= 2; run++ { // a second run changes nothing
		rep, err := st.Migrate(ctx, nil)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		t.Logf("run %d: %+v", run, rep)
		checkMigrated(t, st)
	}
	if err := st.CheckLayout(ctx); err != nil {
		t.Fatalf("CheckLayout after migrate: %v", err)
	}
	for _, k := range []string{"due", "subs", "subs:ids", "suppressed", "sub:{a1}:topics", "topic:japan:subs"} {
		if n := rdb.Exists(ctx, prefix+k).Val(); n != 0 {
			t.Errorf("version 1 key %s still there", k)
		}
	}
}

func checkMigrated(t *testing.T, st *subscribers.Store) {
	t.Helper()
	ctx := context.Background()
	a, err := st.Get(ctx, "a1")
	if err != nil || len(a.Topics) != 2 || a.Topics[0] != "china" || a.Email != "ann@example.com" {
		t.Fatalf("a1 after migrate = %+v, %v", a, err)
	}
	if n, _ := st.Count(ctx); n != 2 {
		t.Errorf("Count = %d, want 2", n)
	}
	if n, _, _ := st.Backlog(ctx, a.NextDue); n != 1 { // a1; the dangling "gone" dropped
		t.Errorf("Backlog = %d, want a1 due", n)
	}
	counts, _ := st.FollowerCounts(ctx, []string{"japan", "china"})
	if counts["japan"] != 2 || counts["china"] != 1 {
		t.Errorf("FollowerCounts = %v", counts)
	}
	got, _ := st.InstantFollowersOf(ctx, []string{"japan"})
	if len(got) != 1 || got[0].ID != "b2" {
		t.Errorf("instant followers of japan = %+v, want b2", got)
	}
	if s, _ := st.Suppressed(ctx, "cy@example.com"); s == nil {
		t.Error("suppression lost")
	}
	if err := st.Add(ctx, &subscribers.Subscriber{Email: "cy@example.com"}); !errors.Is(err, subscribers.ErrSuppressed) {
		t.Errorf("Add of a suppressed address = %v", err)
	}
}
