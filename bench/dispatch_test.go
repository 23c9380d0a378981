package main

import "testing"

func TestChildMaxProcs(t *testing.T) {
	defer func(f func() int) { numCPU = f }(numCPU)
	numCPU = func() int { return 2 }
	for _, c := range []struct {
		procs, flag, want int
	}{
		{procs: 1, want: 0},          // one process: Go's own default
		{procs: 3, want: 1},          // three on two cores: one each
		{procs: 2, want: 1},          // two on two: one each
		{procs: 3, flag: 2, want: 2}, // -gomaxprocs wins
		{procs: 1, flag: 4, want: 4}, // even for one process
		{procs: 8, want: 1},          // never below one
	} {
		o := &options{procs: c.procs, maxProcs: c.flag}
		if got := o.childMaxProcs(); got != c.want {
			t.Errorf("procs %d, -gomaxprocs %d: got %d, want %d", c.procs, c.flag, got, c.want)
		}
	}
}
