package subscribers

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"herald/internal/keyring"
)

// The hand-written token payload is json.Marshal's, byte for byte.
func TestTokenPayloadJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	bits := []string{"", "a", "sub-1", "unfollow:japan", "<", "&", "\"", "\\", "é", "\x00", "\x7f", "~", " "}
	pick := func() string {
		s := ""
		for range r.IntN(4) {
			s += bits[r.IntN(len(bits))]
		}
		return s
	}
	for range 5000 {
		p := tokenPayload{Key: pick(), Sub: pick(), Nonce: pick(), Action: pick(), Expires: r.Int64N(1<<40) - 1<<39}
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.appendJSON(nil); !bytes.Equal(got, want) {
			t.Fatalf("%+v: got %s, want %s", p, got, want)
		}
	}
}

// BenchmarkSignToken signs one reader link (an email signs several).
func BenchmarkSignToken(b *testing.B) {
	keys := keyring.New([]byte("0123456789abcdef0123456789abcdef"))
	sub := &Subscriber{ID: "sub-000123", Nonce: "q1w2e3r4"}
	exp := time.Unix(1_800_000_000, 0)
	b.ReportAllocs()
	for b.Loop() {
		SignToken(keys, sub, ActionUnsubscribe, exp)
	}
}
