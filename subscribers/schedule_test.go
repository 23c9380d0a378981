package subscribers_test

import (
	"errors"
	"testing"
	"time"

	"herald/subscribers"
)

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		spec, want string
		instant    bool
	}{
		{"instant", "instant", true},
		{"  INSTANT ", "instant", true},
		{"daily 07:00", "daily 07:00", false},
		{"daily at 7:05", "daily 07:05", false},
		{"Daily  AT 23:59", "daily 23:59", false},
		{"daily 00:00", "daily 00:00", false},
		{"weekly mon 07:00", "weekly mon 07:00", false},
		{"weekly on Monday at 07:00", "weekly mon 07:00", false},
		{"WEEKLY SUNDAY 18:30", "weekly sun 18:30", false},
		{"weekly on sat 6:00", "weekly sat 06:00", false},
		{"0 7 * * *", "0 7 * * *", false},
		{"  0   7 *  * 1-5 ", "0 7 * * 1-5", false},
		{"*/15 8-18 * * mon-fri", "*/15 8-18 * * mon-fri", false},
		{"0 0 29 2 *", "0 0 29 2 *", false},
		{"@daily", "@daily", false},
		{"@weekly", "@weekly", false},
		{"@hourly", "@hourly", false},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := subscribers.ParseSchedule(tt.spec)
			if err != nil {
				t.Fatalf("ParseSchedule(%q): %v", tt.spec, err)
			}
			if s.String() != tt.want || s.Instant() != tt.instant {
				t.Errorf("got %q instant=%v, want %q instant=%v", s.String(), s.Instant(), tt.want, tt.instant)
			}
			again, err := subscribers.ParseSchedule(s.String())
			if err != nil || again.String() != s.String() {
				t.Errorf("canonical %q does not reparse to itself: %q, %v", s.String(), again.String(), err)
			}
		})
	}
}

func TestParseScheduleRejects(t *testing.T) {
	bad := []string{
		"", "   ", "CRON_TZ=UTC 0 7 * * *", "TZ=Europe/London 0 7 * * *", "cron_tz=UTC 0 7 * * *",
		"CRON_TZ=UTC", "TZ=", "@every 1m", "@every", "@fortnightly", "61 * * * *", "0 24 * * *",
		"0 7 * *", "0 0 7 * * *", "garbage", "daily", "daily 25:00", "daily 07:60", "daily 7",
		"daily at", "daily 07:00 extra", "daily -1:00", "daily +7:00", "weekly funday 07:00",
		"weekly mon", "weekly 07:00", "instant now", "0 0 30 2 *", "0 0 31 4 *",
		"*/0 * * * *", "0 7 * * 8", "0-", "0 7 * * *\n0 8 * * *", "\x00",
		"0 7 * * * " + string(make([]byte, 200)),
	}
	for _, spec := range bad {
		t.Run(spec, func(t *testing.T) {
			_, err := subscribers.ParseSchedule(spec)
			var verr *subscribers.ValidationError
			if !errors.As(err, &verr) || verr.Field != "schedule" {
				t.Fatalf("ParseSchedule(%q) = %v, want a schedule ValidationError", spec, err)
			}
		})
	}
}

func TestZeroAndInstantNeverFire(t *testing.T) {
	at := utc("2026-01-01T00:00:00Z")
	if got := (subscribers.Schedule{}).Next(at, time.UTC); !got.IsZero() {
		t.Errorf("zero Schedule fires at %v", got)
	}
	s, _ := subscribers.ParseSchedule("instant")
	if got := s.Next(at, time.UTC); !got.IsZero() {
		t.Errorf("instant fires at %v", got)
	}
}

// fires lists every time spec fires in zone after from up to to,
// failing unless each is strictly later than the one before.
func fires(t *testing.T, spec, zone string, from, to time.Time) []time.Time {
	t.Helper()
	s, err := subscribers.ParseSchedule(spec)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := subscribers.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for at := from; ; {
		next := s.Next(at, loc)
		if next.IsZero() || !next.After(at) {
			t.Fatalf("%s in %s: Next(%v) = %v, want a later time", spec, zone, at, next)
		}
		if next.After(to) {
			return out
		}
		out = append(out, next)
		at = next
		if len(out) > 10000 {
			t.Fatal("runaway schedule")
		}
	}
}

// onePerDay fails unless fs holds exactly one time per local date in
// [first, last].
func onePerDay(t *testing.T, fs []time.Time, zone, first, last string) {
	t.Helper()
	loc, _ := time.LoadLocation(zone)
	seen := map[string]int{}
	for _, f := range fs {
		seen[f.In(loc).Format(time.DateOnly)]++
	}
	d, _ := time.Parse(time.DateOnly, first)
	end, _ := time.Parse(time.DateOnly, last)
	for ; !d.After(end); d = d.AddDate(0, 0, 1) {
		if n := seen[d.Format(time.DateOnly)]; n != 1 {
			t.Errorf("%s: %d fires, want 1 (fires %v)", d.Format(time.DateOnly), n, fs)
		}
	}
	if len(fs) != len(seen) {
		t.Errorf("%d fires on %d dates", len(fs), len(seen))
	}
}

func TestDailyAcrossDST(t *testing.T) {
	tests := []struct {
		name, spec, zone string
		from, to         string // UTC bounds of the run
		first, last      string // local dates that must fire once each
		want             map[string]string
	}{
		{
			name: "new york spring 02:30 in the gap", spec: "daily 02:30", zone: "America/New_York",
			from: "2026-03-05T00:00:00Z", to: "2026-03-12T00:00:00Z", first: "2026-03-05", last: "2026-03-11",
			want: map[string]string{
				"2026-03-07": "2026-03-07T07:30:00Z", // 02:30 EST
				"2026-03-08": "2026-03-08T07:30:00Z", // no 02:30: 03:30 EDT
				"2026-03-09": "2026-03-09T06:30:00Z", // 02:30 EDT
			},
		},
		{
			name: "new york spring 01:30", spec: "daily 01:30", zone: "America/New_York",
			from: "2026-03-05T00:00:00Z", to: "2026-03-12T00:00:00Z", first: "2026-03-05", last: "2026-03-11",
			want: map[string]string{"2026-03-08": "2026-03-08T06:30:00Z", "2026-03-09": "2026-03-09T05:30:00Z"},
		},
		{
			name: "new york fall 01:30 happens twice", spec: "daily 01:30", zone: "America/New_York",
			from: "2026-10-29T00:00:00Z", to: "2026-11-05T00:00:00Z", first: "2026-10-29", last: "2026-11-04",
			want: map[string]string{
				"2026-10-31": "2026-10-31T05:30:00Z",
				"2026-11-01": "2026-11-01T05:30:00Z", // first occurrence (EDT) only
				"2026-11-02": "2026-11-02T06:30:00Z",
			},
		},
		{
			name: "new york fall 02:30", spec: "daily 02:30", zone: "America/New_York",
			from: "2026-10-29T00:00:00Z", to: "2026-11-05T00:00:00Z", first: "2026-10-29", last: "2026-11-04",
			want: map[string]string{"2026-11-01": "2026-11-01T07:30:00Z"},
		},
		{
			name: "london spring 01:30 in the gap", spec: "daily 01:30", zone: "Europe/London",
			from: "2026-03-26T00:00:00Z", to: "2026-04-02T00:00:00Z", first: "2026-03-26", last: "2026-04-01",
			want: map[string]string{
				"2026-03-28": "2026-03-28T01:30:00Z",
				"2026-03-29": "2026-03-29T01:30:00Z", // no 01:30: 02:30 BST
				"2026-03-30": "2026-03-30T00:30:00Z",
			},
		},
		{
			name: "london fall 01:30 happens twice", spec: "daily 01:30", zone: "Europe/London",
			from: "2026-10-22T00:00:00Z", to: "2026-10-29T00:00:00Z", first: "2026-10-22", last: "2026-10-28",
			want: map[string]string{
				"2026-10-25": "2026-10-25T00:30:00Z", // first occurrence (BST) only
				"2026-10-26": "2026-10-26T01:30:00Z",
			},
		},
		{
			name: "kolkata", spec: "daily 07:00", zone: "Asia/Kolkata",
			from: "2026-06-01T00:00:00Z", to: "2026-06-04T00:00:00Z", first: "2026-06-01", last: "2026-06-03",
			want: map[string]string{"2026-06-02": "2026-06-02T01:30:00Z"},
		},
		{
			name: "kathmandu", spec: "daily at 07:00", zone: "Asia/Kathmandu",
			from: "2026-06-01T00:00:00Z", to: "2026-06-04T00:00:00Z", first: "2026-06-01", last: "2026-06-03",
			want: map[string]string{"2026-06-02": "2026-06-02T01:15:00Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := fires(t, tt.spec, tt.zone, utc(tt.from), utc(tt.to))
			onePerDay(t, fs, tt.zone, tt.first, tt.last)
			checkWant(t, fs, tt.zone, tt.want)
		})
	}
}

// checkWant fails unless the fire on each local date of want is at the
// wanted instant.
func checkWant(t *testing.T, fs []time.Time, zone string, want map[string]string) {
	t.Helper()
	loc, _ := time.LoadLocation(zone)
	got := map[string]time.Time{}
	for _, f := range fs {
		got[f.In(loc).Format(time.DateOnly)] = f
	}
	for date, w := range want {
		if g := got[date]; !g.Equal(utc(w)) {
			t.Errorf("%s fires at %v, want %s", date, g.UTC(), w)
		}
	}
}

func TestWeeklyAcrossDST(t *testing.T) {
	tests := []struct {
		name, spec, from, to string
		want                 []string
	}{
		{"spring", "weekly sun 02:30", "2026-02-27T00:00:00Z", "2026-03-20T00:00:00Z",
			[]string{"2026-03-01T07:30:00Z", "2026-03-08T07:30:00Z", "2026-03-15T06:30:00Z"}},
		{"fall", "weekly on sunday at 01:30", "2026-10-24T00:00:00Z", "2026-11-14T00:00:00Z",
			[]string{"2026-10-25T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-08T06:30:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := fires(t, tt.spec, "America/New_York", utc(tt.from), utc(tt.to))
			if len(fs) != len(tt.want) {
				t.Fatalf("fires %v, want %v", fs, tt.want)
			}
			for i, w := range tt.want {
				if !fs[i].Equal(utc(w)) {
					t.Errorf("fire %d at %v, want %s", i, fs[i].UTC(), w)
				}
			}
		})
	}
}

func TestHourlyCronAcrossDST(t *testing.T) {
	loc, _ := time.LoadLocation("America/New_York")
	t.Run("fall back fires once per wall hour", func(t *testing.T) {
		fs := fires(t, "0 * * * *", "America/New_York", utc("2026-11-01T03:30:00Z"), utc("2026-11-02T04:30:00Z"))
		hours := map[int]int{}
		for _, f := range fs {
			if l := f.In(loc); l.Day() == 1 {
				hours[l.Hour()]++
			}
		}
		for h := 0; h < 24; h++ {
			if hours[h] != 1 {
				t.Errorf("wall hour %02d fired %d times, want 1", h, hours[h])
			}
		}
		if len(fs) != 24 {
			t.Errorf("%d fires on 2026-11-01, want 24: %v", len(fs), fs)
		}
	})
	t.Run("spring forward fires hourly without a gap or a double", func(t *testing.T) {
		fs := fires(t, "0 * * * *", "America/New_York", utc("2026-03-08T04:30:00Z"), utc("2026-03-09T03:30:00Z"))
		for i := 1; i < len(fs); i++ {
			if d := fs[i].Sub(fs[i-1]); d != time.Hour {
				t.Errorf("fires %v then %v: %v apart", fs[i-1], fs[i], d)
			}
		}
		if len(fs) != 23 {
			t.Errorf("%d fires on a 23-hour day, want 23", len(fs))
		}
	})
}

func TestNextIsStrictlyAfter(t *testing.T) {
	s, _ := subscribers.ParseSchedule("daily 07:00")
	at := utc("2026-06-01T07:00:00Z")
	if got := s.Next(at, time.UTC); !got.Equal(utc("2026-06-02T07:00:00Z")) {
		t.Errorf("Next(07:00) = %v, want the next day", got)
	}
	if got := s.Next(at.Add(-time.Nanosecond), time.UTC); !got.Equal(at) {
		t.Errorf("Next(06:59:59.999999999) = %v, want %v", got, at)
	}
	if got := s.Next(at, nil); !got.Equal(utc("2026-06-02T07:00:00Z")) {
		t.Errorf("nil location: %v, want UTC", got)
	}
}

func TestLoadLocation(t *testing.T) {
	for _, name := range []string{"UTC", "Europe/London", "America/New_York", "Asia/Kathmandu"} {
		if _, err := subscribers.LoadLocation(name); err != nil {
			t.Errorf("LoadLocation(%q): %v", name, err)
		}
	}
	for _, name := range []string{"", "Local", "Mars/Olympus", "Europe/London\n", "../../etc/passwd", "/etc/localtime"} {
		_, err := subscribers.LoadLocation(name)
		var verr *subscribers.ValidationError
		if !errors.As(err, &verr) || verr.Field != "time_zone" {
			t.Errorf("LoadLocation(%q) = %v, want a time_zone ValidationError", name, err)
		}
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"instant", "daily 07:00", "weekly on mon at 07:00", "0 7 * * *",
		"*/5 * * * *", "@weekly", "CRON_TZ=UTC 0 7 * * *", "TZ=", "@every 1m", "0 0 29 2 *"} {
		f.Add(s)
	}
	zones := []string{"UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe"}
	afters := []time.Time{utc("2026-03-08T06:59:00Z"), utc("2026-11-01T05:45:00Z"), utc("2026-10-04T15:10:00Z")}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := subscribers.ParseSchedule(spec)
		if err != nil {
			var verr *subscribers.ValidationError
			if !errors.As(err, &verr) || verr.Field != "schedule" {
				t.Fatalf("ParseSchedule(%q) error %v is not a schedule ValidationError", spec, err)
			}
			return
		}
		if again, err := subscribers.ParseSchedule(s.String()); err != nil || again.String() != s.String() {
			t.Fatalf("canonical %q of %q does not reparse: %v", s.String(), spec, err)
		}
		if s.Instant() {
			return
		}
		for i, zone := range zones {
			loc, _ := subscribers.LoadLocation(zone)
			after := afters[i%len(afters)]
			if next := s.Next(after, loc); !next.After(after) {
				t.Fatalf("%q in %s: Next(%v) = %v", spec, zone, after, next)
			}
		}
	})
}

// A time just after the spring-forward change must still find that day's
// 02:30, which fires at 03:30 local.
func TestNextJustAfterSpringForward(t *testing.T) {
	s, _ := subscribers.ParseSchedule("daily 02:30")
	loc, _ := subscribers.LoadLocation("America/New_York")
	after := utc("2026-03-08T07:10:00Z") // 03:10 EDT
	if got := s.Next(after, loc); !got.Equal(utc("2026-03-08T07:30:00Z")) {
		t.Errorf("Next(03:10 EDT) = %v, want 07:30Z (03:30 EDT)", got.UTC())
	}
}
