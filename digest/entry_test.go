package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Entry writes what joining its fields with tabs, the error on one line,
// did.
func TestEntryAsJoined(t *testing.T) {
	at := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	clean := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	long := strings.Repeat("a rather long error from a remote server, ", 8)
	for _, d := range []Delivery{
		{},
		{SubscriberID: "r1", MessageID: MessageID("r1", at), Channel: "email", WindowStart: at.Add(-25 * time.Hour),
			WindowEnd: at, Stories: 10, Result: "sent", Attempt: 1, At: at},
		{Result: "temporary", Channel: "slack", Attempt: 3, Stories: -1, At: at.Add(-time.Hour * 24 * 365 * 60),
			Error: "line one\r\nline\ttwo \u00e9\n"},
		{Result: "permanent", Error: long + "\t" + long, At: at},
	} {
		want := strings.Join([]string{
			strconv.FormatInt(d.At.UnixMilli(), 10), d.Result, d.Channel, d.MessageID,
			strconv.FormatInt(d.WindowStart.UnixMilli(), 10), strconv.FormatInt(d.WindowEnd.UnixMilli(), 10),
			strconv.Itoa(d.Stories), strconv.Itoa(d.Attempt), clean.Replace(d.Error),
		}, "\t")
		if got := (&RedisLog{}).Entry(d); got != want {
			t.Errorf("entry %q, want %q", got, want)
		}
	}
}

// MessageID is the hash of the subscriber and window start it always was.
func TestMessageIDAsHashed(t *testing.T) {
	at := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	for _, id := range []string{"", "r0000001", strings.Repeat("long-subscriber-id-", 10)} {
		for _, start := range []time.Time{{}, at, at.Add(-time.Hour * 24 * 365 * 60)} {
			h := sha256.Sum256([]byte(id + "|" + strconv.FormatInt(start.UnixMilli(), 10)))
			if got, want := MessageID(id, start), "herald."+hex.EncodeToString(h[:12]); got != want {
				t.Errorf("MessageID(%q, %v) = %q, want %q", id, start, got, want)
			}
		}
	}
}
