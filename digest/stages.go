package digest

import (
	"sync/atomic"
	"time"
)

// StageTimes adds up the time a Runner spends in each stage of dispatch,
// summed over its workers (so a stage can exceed the wall time). It is for
// benchmarks and metrics; a Runner with nil Stages measures nothing.
type StageTimes struct {
	Claim  atomic.Int64 // nanoseconds claiming due subscribers
	Gather atomic.Int64 // acquiring leases and building digests
	Render atomic.Int64 // composing messages (templates)
	Send   atomic.Int64 // handing messages to channels
	Finish atomic.Int64 // completing leases and recording deliveries
}

// since adds the time elapsed since start to the counter c of s; it does
// nothing when s is nil.
func (s *StageTimes) since(c func(*StageTimes) *atomic.Int64, start time.Time) {
	if s != nil {
		c(s).Add(int64(time.Since(start)))
	}
}

// start is the time a stage begins, zero (and free) when s is nil.
func (s *StageTimes) start() time.Time {
	if s == nil {
		return time.Time{}
	}
	return time.Now()
}

func stageClaim(s *StageTimes) *atomic.Int64  { return &s.Claim }
func stageGather(s *StageTimes) *atomic.Int64 { return &s.Gather }
func stageRender(s *StageTimes) *atomic.Int64 { return &s.Render }
func stageSend(s *StageTimes) *atomic.Int64   { return &s.Send }
func stageFinish(s *StageTimes) *atomic.Int64 { return &s.Finish }
