package web

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"herald/digest"
)

// The delivery log page reads at most deliveriesPage entries (deliveriesCSV
// for the CSV export), newest first, filtered by channel, result,
// subscriber and time range.
const (
	deliveriesPage = 200
	deliveriesCSV  = 10_000
	formTime       = "2006-01-02T15:04" // <input type=datetime-local>, read as UTC
)

type logFilter struct {
	Channel, Result, Subscriber string
	Since, Until                string // as typed, formTime
	since, until                time.Time
	subID                       string
}

type deliveriesView struct {
	Filter  logFilter
	Rows    []digest.Delivery
	CSVHref string
}

var logResults = []string{"sent", "empty", "temporary", "failed", "permanent"}

func (s *Server) adminDeliveries(w http.ResponseWriter, r *http.Request, ss session) {
	f, err := s.parseLogFilter(r.Context(), r.URL.Query())
	if err != nil {
		s.adminMessage(w, http.StatusBadRequest, ss, "Filter not understood", err.Error())
		return
	}
	csvOut := r.URL.Query().Get("format") == "csv"
	limit := deliveriesPage
	if csvOut {
		limit = deliveriesCSV
	}
	rows, err := s.findDeliveries(r.Context(), f, limit)
	if err != nil {
		s.adminUnavailable(w, ss, "delivery log", err)
		return
	}
	if csvOut {
		writeDeliveriesCSV(w, rows)
		return
	}
	q := r.URL.Query()
	q.Set("format", "csv")
	v := deliveriesView{Filter: f, Rows: rows, CSVHref: "/admin/deliveries?" + q.Encode()}
	s.renderAdmin(w, http.StatusOK, "deliveries", s.page(ss, "Deliveries", "deliveries", v))
}

func (s *Server) parseLogFilter(ctx context.Context, q url.Values) (logFilter, error) {
	f := logFilter{Channel: q.Get("channel"), Result: q.Get("result"), Subscriber: strings.TrimSpace(q.Get("subscriber")),
		Since: q.Get("since"), Until: q.Get("until")}
	var err error
	if f.since, err = parseFormTime("since", f.Since); err != nil {
		return f, err
	}
	if f.until, err = parseFormTime("until", f.Until); err != nil {
		return f, err
	}
	if f.Result != "" && !slices.Contains(logResults, f.Result) {
		return f, errors.New("result: want one of " + strings.Join(logResults, ", "))
	}
	return f, s.resolveSubscriber(ctx, &f)
}

func parseFormTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(formTime, v)
	if err != nil {
		return t, errors.New(field + ": want a date and time such as 2026-11-28T07:00 (UTC)")
	}
	return t, nil
}

// resolveSubscriber turns an address into its subscriber's ID.
func (s *Server) resolveSubscriber(ctx context.Context, f *logFilter) error {
	if f.Subscriber == "" {
		return nil
	}
	sub, err := s.exactSubscriber(ctx, f.Subscriber)
	if err != nil {
		return err
	}
	if sub == nil {
		return errors.New("subscriber: no subscriber " + f.Subscriber)
	}
	f.subID = sub.ID
	return nil
}

func (s *Server) findDeliveries(ctx context.Context, f logFilter, limit int) ([]digest.Delivery, error) {
	if s.d.Console.Deliveries == nil {
		return nil, nil
	}
	q := digest.Query{SubscriberID: f.subID, Since: f.since, Limit: 1 << 30}
	all, err := s.d.Console.Deliveries.Find(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []digest.Delivery
	for _, d := range all {
		if f.keeps(d) {
			if out = append(out, d); len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

func (f logFilter) keeps(d digest.Delivery) bool {
	return (f.Channel == "" || d.Channel == f.Channel) && (f.Result == "" || d.Result == f.Result) &&
		(f.until.IsZero() || d.At.Before(f.until)) && !d.At.Before(f.since)
}

// writeDeliveriesCSV writes rows as CSV; a cell a spreadsheet would read
// as a formula is prefixed with an apostrophe.
func writeDeliveriesCSV(w http.ResponseWriter, rows []digest.Delivery) {
	setAdminHeaders(w.Header())
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="deliveries.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"at", "subscriber", "channel", "result", "stories", "window_start", "window_end", "attempt", "message_id", "error"})
	for _, d := range rows {
		_ = cw.Write(safeCells(d.At.UTC().Format(time.RFC3339), d.SubscriberID, d.Channel, d.Result, strconv.Itoa(d.Stories),
			d.WindowStart.UTC().Format(time.RFC3339), d.WindowEnd.UTC().Format(time.RFC3339), strconv.Itoa(d.Attempt), d.MessageID, d.Error))
	}
	cw.Flush()
}

func safeCells(cells ...string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}
