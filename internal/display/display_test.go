package display_test

import (
	"testing"

	"herald/internal/display"
)

func TestFirstUnsafe(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // Describe of the first unsafe rune; "" for none
	}{
		{"plain", "Ann Lee", ""},
		{"right-to-left text", "نور الهدى", ""},
		{"bidi marks", "Ann\u200e \u200fنور\u061c", ""},
		{"emoji and CJK", "東京 🗞", ""},
		{"right-to-left override", "Ann\u202emoc.elpmaxe", "bidi control U+202E (right-to-left override)"},
		{"left-to-right embedding", "\u202aAnn", "bidi control U+202A (left-to-right embedding)"},
		{"isolate", "Ann\u2066x\u2069", "bidi control U+2066 (left-to-right isolate)"},
		{"pop directional isolate", "Ann\u2069", "bidi control U+2069 (pop directional isolate)"},
		{"line separator", "Ann\u2028Lee", "line separator U+2028"},
		{"paragraph separator", "Ann\u2029Lee", "paragraph separator U+2029"},
		{"newline", "Ann\nLee", "control character U+000A"},
		{"escape", "Ann\x1b[31m", "control character U+001B"},
		{"C1", "Ann\u0085", "control character U+0085"},
		{"first of two", "a\u2028b\u202e", "line separator U+2028"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, found := display.FirstUnsafe(tt.in)
			got := ""
			if found {
				got = display.Describe(r)
			}
			if got != tt.want {
				t.Errorf("FirstUnsafe(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
