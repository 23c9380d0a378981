package subscribers_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/subscribers"
)

func TestImportCSV(t *testing.T) {
	st, _ := newStore(t, t0)
	ctx := context.Background()
	existing := mustAdd(t, st, &subscribers.Subscriber{Email: "old@example.com", Name: "Old", Topics: []string{"china"}})
	const file = "\ufefftopics,Email,name,time_zone,schedule,max_stories\n" +
		"Japan;South Korea,ann@example.com,Ann,Europe/London,daily at 7:30,5\n" +
		"japan,not-an-email,Bad,UTC,daily 07:00,\n" + // line 3: email
		"japan,bob@example.com,Bob,Mars/Base,daily 07:00,\n" + // line 4: time_zone
		"japan,cat@example.com,Cat,UTC,daily 07:00,lots\n" + // line 5: max_stories
		"japan,dan@example.com,<b>Dan</b>,UTC,daily 07:00,\n" + // line 6: name
		"japan,eve@example.com\n" + // line 7: short row
		"\n" +
		"korea,OLD@example.com,Old Reader,,weekly mon 08:00,\n" + // line 9: update
		"\"unterminated,x@example.com,X,UTC,instant,\n"
	var progress [][2]int
	res, err := subscribers.ImportCSV(ctx, st, strings.NewReader(file), func(done, total int) {
		progress = append(progress, [2]int{done, total})
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 1 || res.Updated != 1 || res.Skipped != 6 {
		t.Errorf("result %+v, want 1 added, 1 updated, 6 skipped", res)
	}
	want := map[int]string{3: "email", 4: "time_zone", 5: "max_stories", 6: "name", 7: "", 10: ""}
	got := map[int]string{}
	for _, e := range res.Errors {
		got[e.Line] = e.Field
		if e.Err == nil || !strings.Contains(e.Error(), "line ") {
			t.Errorf("row error %+v says too little", e)
		}
	}
	if len(got) != len(want) {
		t.Errorf("row errors %v, want lines %v", res.Errors, want)
	}
	for line, field := range want {
		if f, ok := got[line]; !ok || f != field {
			t.Errorf("line %d: field %q (reported %v), want %q", line, f, ok, field)
		}
	}
	// Six well-formed data rows; lines 7 and 10 are not rows.
	if len(progress) != 6 || progress[5] != [2]int{6, 6} || progress[0] != [2]int{1, 6} {
		t.Errorf("progress calls %v, want 1..6 of 6", progress)
	}

	ann, err := st.GetByEmail(ctx, "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if ann.Name != "Ann" || ann.TimeZone != "Europe/London" || ann.Schedule != "daily 07:30" ||
		ann.MaxStories != 5 || !slices.Equal(ann.Topics, []string{"japan", "south-korea"}) || ann.Status != subscribers.StatusActive {
		t.Errorf("imported %+v", ann)
	}
	old, _ := st.Get(ctx, existing.ID)
	if old.Name != "Old Reader" || old.Schedule != "weekly mon 08:00" || old.TimeZone != "UTC" ||
		!slices.Equal(old.Topics, []string{"korea"}) {
		t.Errorf("updated %+v", old)
	}
	checkFollowers(t, st, "china", nil)
	if n, _ := st.Count(ctx); n != 2 {
		t.Errorf("Count = %d, want 2", n)
	}
}

func TestImportKeepsStatus(t *testing.T) {
	for _, status := range []subscribers.Status{subscribers.StatusUnsubscribed, subscribers.StatusBounced, subscribers.StatusPaused} {
		t.Run(string(status), func(t *testing.T) {
			st, _ := newStore(t, t0)
			ctx := context.Background()
			sub := mustAdd(t, st, &subscribers.Subscriber{Email: "gone@example.com", Status: status})
			res, err := subscribers.ImportCSV(ctx, st, strings.NewReader("email,name\ngone@example.com,Back Again\n"), nil)
			if err != nil || res.Updated != 1 {
				t.Fatalf("import = %+v, %v", res, err)
			}
			got, _ := st.Get(ctx, sub.ID)
			if got.Status != status || got.Name != "Back Again" {
				t.Errorf("status %s name %q, want %s kept", got.Status, got.Name, status)
			}
			checkBacklog(t, st, t0.Add(30*24*time.Hour), 0)
		})
	}
}

func TestImportCSVHeader(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"unknown column", "email,nickname\na@example.com,x\n", `"nickname"`},
		{"no email column", "name\nAnn\n", "email"},
		{"duplicate column", "email,email\n", "twice"},
		{"empty file", "", "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := newStore(t, t0)
			_, err := subscribers.ImportCSV(context.Background(), st, strings.NewReader(tt.file), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ImportCSV = %v, want an error mentioning %s", err, tt.want)
			}
			if n, _ := st.Count(context.Background()); n != 0 {
				t.Errorf("%d subscribers written", n)
			}
		})
	}
}
