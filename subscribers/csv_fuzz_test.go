package subscribers_test

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"herald/internal/redistest"
	"herald/subscribers"
)

// maxFuzzCSV keeps one fuzz input cheap: every imported row costs a few
// Redis round trips.
const maxFuzzCSV = 8 << 10

// FuzzImportCSV feeds arbitrary files to ImportCSV against a real Redis
// (a fresh key prefix per input). It must not panic; every skipped row is
// reported with its reason; and every row it imported is stored valid,
// normalised, active and as an email reader, one per address.
func FuzzImportCSV(f *testing.F) {
	f.Add([]byte("email,name,time_zone,schedule,topics,max_stories\nann@example.com,Ann,Europe/London,daily 07:30,japan;south-korea,5\n"))
	rdb, base := redistest.Client(f)
	var seq atomic.Int64
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzCSV {
			t.Skip("input too large for one cheap import")
		}
		ctx := context.Background()
		st := subscribers.NewStore(rdb, base+"f"+strconv.FormatInt(seq.Add(1), 10)+":", func() time.Time { return t0 })
		res, err := subscribers.ImportCSV(ctx, st, bytes.NewReader(data), nil)
		checkImportResult(t, res, err)
		checkImported(t, st, res)
	})
}

// checkImportResult checks the counts and row errors add up.
func checkImportResult(t *testing.T, res subscribers.ImportResult, err error) {
	t.Helper()
	if err == nil && res.Skipped != len(res.Errors) {
		t.Fatalf("skipped %d rows but reported %d errors", res.Skipped, len(res.Errors))
	}
	for _, re := range res.Errors {
		if re.Err == nil || re.Line < 0 || re.Error() == "" {
			t.Fatalf("row error without a reason or line: %#v", re)
		}
	}
}

// checkImported checks every stored subscriber validates unchanged.
func checkImported(t *testing.T, st *subscribers.Store, res subscribers.ImportResult) {
	t.Helper()
	ctx := context.Background()
	n, err := st.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if int(n) != res.Added {
		t.Fatalf("store holds %d subscribers, import says it added %d", n, res.Added)
	}
	subs, _, err := st.List(ctx, "", subscribers.MaxListLimit)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		again := *s
		again.Topics = slices.Clone(s.Topics)
		if err := again.Validate(); err != nil {
			t.Fatalf("imported subscriber %+v does not validate: %v", s, err)
		}
		if !reflect.DeepEqual(&again, s) {
			t.Fatalf("imported subscriber not stored normalised:\n got %+v\nwant %+v", s, &again)
		}
		if s.Kind != subscribers.KindEmail || s.Status != subscribers.StatusActive {
			t.Fatalf("imported subscriber %s is %s/%s, want an active email reader", s.ID, s.Kind, s.Status)
		}
	}
}
