package web

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"time"

	"herald/digest"
	"herald/internal/health"
	"herald/internal/ratelimit"
)

// ConsoleDeps are what the console's dashboard reads besides the stores:
// the same figures `herald status` prints. A nil field leaves its figure
// out.
type ConsoleDeps struct {
	// Deliveries is the delivery log (digest.RedisLog).
	Deliveries DeliveryLog
	// LastTick is when any process last ticked.
	LastTick func(ctx context.Context) (time.Time, error)
	// EmptySince counts digests with no stories since a time.
	EmptySince func(ctx context.Context, since, now time.Time) (int64, error)
	// EmptyByChannel counts them by channel: they are not in the delivery
	// log, so the per-channel tables' empty column comes from here.
	EmptyByChannel func(ctx context.Context, since, now time.Time) (map[string]int64, error)
}

// DeliveryLog is what the console reads of the delivery log.
type DeliveryLog interface {
	Find(ctx context.Context, q digest.Query) ([]digest.Delivery, error)
}

var _ DeliveryLog = (*digest.RedisLog)(nil)

func withLoginLimits(d Deps) Deps {
	if d.RDB == nil {
		return d
	}
	if d.LoginLimit == nil {
		d.LoginLimit, _ = ratelimit.New(d.RDB, d.KeyPrefix, "login", LoginClientRate, d.Now)
	}
	if d.LoginAccountLimit == nil {
		d.LoginAccountLimit, _ = ratelimit.New(d.RDB, d.KeyPrefix, "login-account", LoginAccountRate, d.Now)
	}
	return d
}

type dashboardView struct {
	Due              int64
	Oldest, LastTick time.Time
	EmptyHour        int64
	Hour, Day        []channelCount
	Chart            chart
	Health           []health.State
	Ready            string
	Next             []upcomingRow
}

// upcomingRow is one of the next digests falling due.
type upcomingRow struct {
	ID, Who string
	At      time.Time
}

// dashboardNext is how many of the next digests falling due are listed.
const dashboardNext = 10

// channelCount is one channel's deliveries by result: sent, failed
// (temporary, or retries used up) and bounced (permanent).
type channelCount struct {
	Channel                      string
	Sent, Empty, Failed, Bounced int
}

// countsTable is one table of channelCounts on the dashboard.
type countsTable struct {
	Title, ID string
	Rows      []channelCount
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, ss session) {
	v, err := s.dashboardData(r.Context())
	if err != nil {
		s.adminUnavailable(w, ss, "dashboard", err)
		return
	}
	s.renderAdmin(w, http.StatusOK, "dashboard", s.page(ss, "Dashboard", "dashboard", v))
}

func (s *Server) dashboardData(ctx context.Context) (dashboardView, error) {
	now := s.d.Now()
	var v dashboardView
	var err error
	if v.Due, v.Oldest, err = s.d.Subs.Backlog(ctx, now); err != nil {
		return v, err
	}
	if err := s.statusFigures(ctx, now, &v); err != nil {
		return v, err
	}
	if err := s.deliveryFigures(ctx, now, &v); err != nil {
		return v, err
	}
	if v.Next, err = s.upcoming(ctx, now); err != nil {
		return v, err
	}
	hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	v.Health = s.d.Health.Report(hctx)
	v.Ready = health.Summary(v.Health)
	return v, nil
}

func (s *Server) statusFigures(ctx context.Context, now time.Time, v *dashboardView) error {
	c := s.d.Console
	var err error
	if c.LastTick != nil {
		if v.LastTick, err = c.LastTick(ctx); err != nil {
			return err
		}
	}
	if c.EmptySince != nil {
		v.EmptyHour, err = c.EmptySince(ctx, now.Add(-time.Hour), now)
	}
	return err
}

func (s *Server) deliveryFigures(ctx context.Context, now time.Time, v *dashboardView) error {
	if s.d.Console.Deliveries == nil {
		return nil
	}
	day, err := s.d.Console.Deliveries.Find(ctx, digest.Query{Since: now.Add(-24 * time.Hour), Limit: 1 << 30})
	if err != nil {
		return err
	}
	v.Day = countByChannel(day)
	v.Hour = countByChannel(since(day, now.Add(-time.Hour)))
	v.Chart = hourlyChart(day, now)
	if v.Hour, err = s.withEmpties(ctx, v.Hour, now.Add(-time.Hour), now); err != nil {
		return err
	}
	v.Day, err = s.withEmpties(ctx, v.Day, now.Add(-24*time.Hour), now)
	return err
}

// withEmpties puts each channel's empty digests since a time into rows,
// adding a row for a channel that had only empty ones.
func (s *Server) withEmpties(ctx context.Context, rows []channelCount, from, now time.Time) ([]channelCount, error) {
	if s.d.Console.EmptyByChannel == nil {
		return rows, nil
	}
	by, err := s.d.Console.EmptyByChannel(ctx, from, now)
	if err != nil {
		return nil, err
	}
	for channel, n := range by {
		i := slices.IndexFunc(rows, func(c channelCount) bool { return c.Channel == channel })
		if i < 0 {
			rows = append(rows, channelCount{Channel: channel})
			i = len(rows) - 1
		}
		rows[i].Empty += int(n)
	}
	slices.SortFunc(rows, func(a, b channelCount) int { return cmp.Compare(a.Channel, b.Channel) })
	return rows, nil
}

func since(ds []digest.Delivery, t time.Time) []digest.Delivery {
	var out []digest.Delivery
	for _, d := range ds {
		if !d.At.Before(t) {
			out = append(out, d)
		}
	}
	return out
}

func countByChannel(ds []digest.Delivery) []channelCount {
	by := map[string]*channelCount{}
	for _, d := range ds {
		c := by[d.Channel]
		if c == nil {
			c = &channelCount{Channel: d.Channel}
			by[d.Channel] = c
		}
		c.add(d.Result)
	}
	out := make([]channelCount, 0, len(by))
	for _, c := range by {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b channelCount) int { return cmp.Compare(a.Channel, b.Channel) })
	return out
}

func (c *channelCount) add(result string) {
	switch result {
	case "sent":
		c.Sent++
	case "empty":
		c.Empty++
	case "permanent":
		c.Bounced++
	default: // temporary, failed
		c.Failed++
	}
}

func (s *Server) upcoming(ctx context.Context, now time.Time) ([]upcomingRow, error) {
	next, err := s.d.Subs.Upcoming(ctx, now, dashboardNext)
	if err != nil {
		return nil, err
	}
	rows := make([]upcomingRow, 0, len(next))
	for _, u := range next {
		row := upcomingRow{ID: u.ID, Who: u.ID, At: u.At}
		if sub, err := s.d.Subs.Get(ctx, u.ID); err == nil {
			row.Who = destinationOf(sub)
		}
		rows = append(rows, row)
	}
	return rows, nil
}
