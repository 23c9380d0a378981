package main

import (
	"strings"
	"testing"
)

// The README's order, stories first and readers after, gives a first
// digest with the day's stories; --first-lookback 0 is the old behaviour.
func TestFirstDigestLooksBack(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lookback []string
		want     string
	}{
		{"default 24h", nil, "Lookback story"},
		{"zero", []string{"--first-lookback", "0"}, "no new stories"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := append(redisFlags(t), tc.lookback...)
			story := `{"id":"lb-1","url":"https://news.example.com/lb","headline":"Lookback story","summary":"S.","topics":[{"name":"Japan"}],"published_at":"2026-11-28T08:00:00Z"}`
			if out, err := runCLI(t, append([]string{"stories", "import", writeTemp(t, "s.json", story)}, base...)...); err != nil {
				t.Fatalf("import: %v\n%s", err, out)
			}
			if out, err := runCLI(t, append([]string{"subscribers", "add", "--email", "lb@example.com", "--topics", "japan"}, base...)...); err != nil {
				t.Fatalf("add: %v\n%s", err, out)
			}
			out, err := runCLI(t, append([]string{"preview", "lb@example.com"}, base...)...)
			if err != nil || !strings.Contains(out, tc.want) {
				t.Errorf("preview: %v, want %q:\n%s", err, tc.want, out)
			}
		})
	}
}
