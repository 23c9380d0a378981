package keyring_test

import (
	"testing"

	"herald/internal/keyring"
)

var (
	current  = []byte("current-secret-0123456789abcdef-0123")
	previous = []byte("previous-secret-0123456789abcdef-012")
	unknown  = []byte("unknown-secret-0123456789abcdef-0123")
)

func TestRing(t *testing.T) {
	payload := []byte("payload")
	old := keyring.New(previous)
	ring := keyring.New(current, previous)
	tests := []struct {
		name string
		id   string
		sum  []byte
		want bool
	}{
		{"current key, its ID", ring.ID(), ring.Sum("d", payload), true},
		{"current key, no ID", "", ring.Sum("d", payload), true},
		{"previous key, its ID", old.ID(), old.Sum("d", payload), true},
		{"previous key, no ID", "", old.Sum("d", payload), true},
		{"previous key, current key's ID", ring.ID(), old.Sum("d", payload), false},
		{"unknown key, its ID", keyring.ID(unknown), keyring.New(unknown).Sum("d", payload), false},
		{"unknown key, no ID", "", keyring.New(unknown).Sum("d", payload), false},
		{"other domain", ring.ID(), ring.Sum("e", payload), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ring.Verify(tt.id, "d", payload, tt.sum); got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
	if ring.ID() != keyring.ID(current) || ring.ID() == old.ID() || len(ring.ID()) != 6 {
		t.Errorf("IDs: ring %q, current %q, previous %q", ring.ID(), keyring.ID(current), old.ID())
	}
}

func TestEmptyRingVerifiesNothing(t *testing.T) {
	for name, r := range map[string]*keyring.Ring{"nil": nil, "no current key": keyring.New(nil, previous)} {
		if r.Len() != 0 || r.ID() != "" || r.Verify("", "d", nil, r.Sum("d", nil)) {
			t.Errorf("%s: Len %d, ID %q, or it verified its own sum", name, r.Len(), r.ID())
		}
	}
}
