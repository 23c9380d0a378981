package subscribers

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// importColumns are the columns ImportCSV knows; only email is required.
var importColumns = []string{"email", "name", "time_zone", "schedule", "topics", "max_stories"}

// maxImportRows bounds one import.
const maxImportRows = 1_000_000

// ImportResult counts what ImportCSV did.
type ImportResult struct {
	Added, Updated, Skipped int
	Errors                  []RowError
}

// RowError is one skipped row: its line in the file, the field at fault
// ("" when the row itself is malformed) and why.
type RowError struct {
	Line  int
	Field string
	Err   error
}

// Error is "line 3: time_zone: unknown time zone", the field named once.
func (e RowError) Error() string {
	msg := e.Err.Error()
	var verr *ValidationError
	if errors.As(e.Err, &verr) {
		msg = verr.Message
	}
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, msg)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, msg)
}

func (e RowError) Unwrap() error { return e.Err }

// importRow is one data row: its line and its cells by column name.
type importRow struct {
	line  int
	cells map[string]string
}

// ImportCSV adds email subscribers from r, or updates those whose address
// exists. The first row is a header naming columns from email, name,
// time_zone, schedule, topics (';'-separated), max_stories in any order;
// email is required. An empty cell means "not given": the default for a
// new subscriber, the stored value for an existing one. New subscribers
// are active; an import never changes an existing subscriber's status, so
// an unsubscribed or bounced reader stays so. Each row is validated before
// anything of it is written; a bad row is skipped and reported in Errors.
// progress, when not nil, is called after each row with (done, total).
// The error is for the file as a whole (header, reading, Redis, ctx).
func ImportCSV(ctx context.Context, st *Store, r io.Reader, progress func(done, total int)) (ImportResult, error) {
	var res ImportResult
	rows, err := readImport(r, &res)
	if err != nil {
		return res, err
	}
	for i, row := range rows {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("subscribers: import: %w", err)
		}
		if err := importOne(ctx, st, row, &res); err != nil {
			return res, fmt.Errorf("subscribers: import: line %d: %w", row.line, err)
		}
		if progress != nil {
			progress(i+1, len(rows))
		}
	}
	return res, nil
}

// readImport reads the header and every data row; malformed rows go to
// res as errors.
func readImport(r io.Reader, res *ImportResult) ([]importRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("subscribers: import: header row: %w", err)
	}
	cols, err := importHeader(header)
	if err != nil {
		return nil, err
	}
	var rows []importRow
	for len(rows)+len(res.Errors) < maxImportRows {
		rec, err := cr.Read()
		var perr *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			return rows, nil
		case err != nil && !errors.As(err, &perr):
			return nil, fmt.Errorf("subscribers: import: read: %w", err)
		}
		line := 0
		if err == nil {
			line, _ = cr.FieldPos(0)
		}
		row, rerr := importRecord(cols, rec, line, err)
		if rerr != nil {
			res.Skipped++
			res.Errors = append(res.Errors, *rerr)
			continue
		}
		rows = append(rows, *row)
	}
	return nil, fmt.Errorf("subscribers: import: more than %d rows", maxImportRows)
}

// importHeader checks the header row and returns the column names.
func importHeader(header []string) ([]string, error) {
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case !isImportColumn(h):
			return nil, fmt.Errorf("subscribers: import: unknown column %q (want %s)", h, strings.Join(importColumns, ", "))
		case seen[h]:
			return nil, fmt.Errorf("subscribers: import: column %q appears twice", h)
		}
		seen[h], cols[i] = true, h
	}
	if !seen["email"] {
		return nil, errors.New("subscribers: import: header has no email column")
	}
	return cols, nil
}

func isImportColumn(name string) bool {
	for _, c := range importColumns {
		if c == name {
			return true
		}
	}
	return false
}

// importRecord turns one record (or its parse error) into a row.
func importRecord(cols, rec []string, line int, err error) (*importRow, *RowError) {
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return nil, &RowError{Line: perr.StartLine, Err: perr.Err}
	}
	if len(rec) != len(cols) {
		return nil, &RowError{Line: line, Err: fmt.Errorf("%d fields, header has %d", len(rec), len(cols))}
	}
	row := &importRow{line: line, cells: make(map[string]string, len(cols))}
	for i, c := range cols {
		row.cells[c] = strings.TrimSpace(rec[i])
	}
	return row, nil
}

// importOne validates and writes one row. Row problems go to res; the
// error is for failures of the store.
func importOne(ctx context.Context, st *Store, row importRow, res *ImportResult) error {
	email, err := NormalizeEmail(row.cells["email"])
	if err != nil {
		skipRow(res, row.line, err)
		return nil
	}
	existing, err := st.GetByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	sub := &Subscriber{Kind: KindEmail, Email: email, Status: StatusActive}
	if existing != nil {
		sub = existing
		sub.Email = email
	}
	if err := applyRow(sub, row.cells); err != nil {
		skipRow(res, row.line, err)
		return nil
	}
	if err := sub.Validate(); err != nil {
		skipRow(res, row.line, err)
		return nil
	}
	return saveRow(ctx, st, sub, existing != nil, row.line, res)
}

// applyRow copies the row's non-empty cells into sub.
func applyRow(sub *Subscriber, cells map[string]string) error {
	if v := cells["name"]; v != "" {
		sub.Name = v
	}
	if v := cells["time_zone"]; v != "" {
		sub.TimeZone = v
	}
	if v := cells["schedule"]; v != "" {
		sub.Schedule = v
	}
	if v := cells["topics"]; v != "" {
		sub.Topics = splitTopics(v)
	}
	if v := cells["max_stories"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return invalid("max_stories", fmt.Sprintf("%q is not a number", v))
		}
		sub.MaxStories = n
	}
	return nil
}

func splitTopics(v string) []string {
	var out []string
	for _, t := range strings.Split(v, ";") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func saveRow(ctx context.Context, st *Store, sub *Subscriber, exists bool, line int, res *ImportResult) error {
	var err error
	if exists {
		err = st.Update(ctx, sub)
	} else {
		err = st.Add(ctx, sub)
	}
	var verr *ValidationError
	switch {
	case err == nil && exists:
		res.Updated++
	case err == nil:
		res.Added++
	case errors.As(err, &verr), errors.Is(err, ErrExists), errors.Is(err, ErrNotFound), errors.Is(err, ErrSuppressed):
		skipRow(res, line, err)
	default:
		return err
	}
	return nil
}

// skipRow records a skipped row, naming the field when err does.
func skipRow(res *ImportResult, line int, err error) {
	re := RowError{Line: line, Err: err}
	var verr *ValidationError
	if errors.As(err, &verr) {
		re.Field = verr.Field
	}
	res.Skipped++
	res.Errors = append(res.Errors, re)
}
