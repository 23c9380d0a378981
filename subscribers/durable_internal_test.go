package subscribers

import (
	"maps"
	"testing"
)

func TestReplicaCounts(t *testing.T) {
	nodes := `a1 127.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-5460
a2 127.0.0.1:30002@40002 master - 0 0 2 connected 5461-10922
a3 127.0.0.1:30003@40003,host3 master,fail - 0 0 3 disconnected
a6 127.0.0.1:30006@40006 slave,fail? a1 0 0 1 connected
b4 127.0.0.1:30004@40004 slave a2 0 0 2 connected
b5 127.0.0.1:30005@40005 slave,fail a2 0 0 2 disconnected
b7 127.0.0.1:30007@40007 master - 0 0 7 connected 10923-16383
`
	// a6 is only suspected (fail?), so a1 still waits for it; b5 failed;
	// a3 failed; b7 is a promoted replica with none of its own.
	want := map[string]int{"127.0.0.1:30001": 1, "127.0.0.1:30002": 1, "127.0.0.1:30007": 0}
	if got := replicaCounts(nodes); !maps.Equal(got, want) {
		t.Errorf("replicaCounts = %v, want %v", got, want)
	}
}
