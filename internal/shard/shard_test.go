package shard

import "testing"

// The slots Redis itself reports (CLUSTER KEYSLOT) for these keys.
func TestSlotMatchesRedis(t *testing.T) {
	cases := []struct {
		key  string
		slot uint16
	}{
		{"foo", 12182},
		{"bar", 5061},
		{"123456789", 12739},
		{"herald:sub:{abc}", 7638},
		{"{abc}", 7638},
		{"a{}b", 13694}, // an empty tag hashes the whole key
	}
	for _, c := range cases {
		if got := Slot(c.key); got != c.slot {
			t.Errorf("Slot(%q) = %d, want %d", c.key, got, c.slot)
		}
	}
}

func TestTagsSpreadEvenly(t *testing.T) {
	for _, n := range []int{1, 3, 16, 64} {
		tags := Tags(n)
		if len(tags) != n {
			t.Fatalf("Tags(%d) has %d tags", n, len(tags))
		}
		for i, tag := range tags {
			s := int(Slot("{" + tag + "}"))
			if lo, hi := i*Slots/n, (i+1)*Slots/n; s < lo || s >= hi {
				t.Errorf("n=%d shard %d tag %q slot %d outside [%d,%d)", n, i, tag, s, lo, hi)
			}
		}
	}
}

func TestOfIsStableAndInRange(t *testing.T) {
	if got := Of("abc", 16); got != int(crc16("abc"))%16 {
		t.Fatalf("Of(abc, 16) = %d", got)
	}
	seen := map[int]bool{}
	for i := range 1000 {
		s := Of(string(rune('a'+i%26))+string(rune(i)), 16)
		if s < 0 || s >= 16 {
			t.Fatalf("shard %d out of range", s)
		}
		seen[s] = true
	}
	if len(seen) != 16 {
		t.Errorf("1000 names hit %d of 16 shards", len(seen))
	}
}
