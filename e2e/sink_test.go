package e2e

import (
	"bytes"
	"net/mail"
	"sort"
	"strings"
	"testing"

	"herald/internal/smtptest"
)

// received is what an SMTP sink accepted, by recipient.
type received struct {
	ids  map[string][]string // recipient -> Message-IDs, in arrival order
	from map[string]int      // envelope sender -> messages
}

// tally reads the sink's messages: each has one recipient and a Message-ID.
func tally(t *testing.T, sink *smtptest.Server) received {
	t.Helper()
	rc := received{ids: map[string][]string{}, from: map[string]int{}}
	for i, m := range sink.Messages() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatalf("message %d: unreadable header: %v", i, err)
		}
		id := msg.Header.Get("Message-Id")
		if id == "" || len(m.To) != 1 {
			t.Fatalf("message %d: Message-ID %q, recipients %v: want one of each", i, id, m.To)
		}
		to := strings.ToLower(m.To[0])
		rc.ids[to] = append(rc.ids[to], id)
		rc.from[strings.ToLower(m.From)]++
	}
	return rc
}

// outcome counts want (recipients that should get exactly one message).
func (rc received) outcome(want []string) outcome {
	var o outcome
	for _, to := range want {
		switch n := len(rc.ids[strings.ToLower(to)]); {
		case n == 0:
			o.lost++
		default:
			o.sent++
			o.duplicates += n - 1
		}
	}
	return o
}

// repeated lists the recipients that got more than one message.
func (rc received) repeated() []string {
	var out []string
	for to, ids := range rc.ids {
		if len(ids) > 1 {
			out = append(out, to)
		}
	}
	sort.Strings(out)
	return out
}

// checkRepeatsSameID fails for a recipient whose messages carry different
// Message-IDs: a repeat must be the same message, never a second digest.
func (rc received) checkRepeatsSameID(t *testing.T) {
	t.Helper()
	for _, to := range rc.repeated() {
		ids := rc.ids[to]
		for _, id := range ids[1:] {
			if id != ids[0] {
				t.Errorf("%s got different Message-IDs %v: a second digest, not a repeat", to, ids)
				break
			}
		}
	}
}

// checkNone fails for each of these recipients that got anything.
func (rc received) checkNone(t *testing.T, addrs []string, why string) {
	t.Helper()
	for _, a := range addrs {
		if n := len(rc.ids[strings.ToLower(a)]); n > 0 {
			t.Errorf("%s got %d messages, want none (%s)", a, n, why)
		}
	}
}

// total is the number of messages received.
func (rc received) total() int {
	n := 0
	for _, ids := range rc.ids {
		n += len(ids)
	}
	return n
}
