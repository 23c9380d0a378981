package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"time"

	"github.com/redis/go-redis/v9"
)

// Result is the JSON line the bench prints.
type Result struct {
	Subscribers        int          `json:"subscribers"`
	DigestsSent        int          `json:"digests_sent"`
	Seconds            float64      `json:"seconds"`
	DigestsPerS        float64      `json:"digests_per_s"`
	WireLimitPerS      float64      `json:"wire_limit_per_s"`
	Efficiency         float64      `json:"efficiency"`
	PeakRSSMiB         float64      `json:"peak_rss_mib"`
	MeanMessageBytes   int          `json:"mean_message_bytes"`
	RedisCmdsPerDigest float64      `json:"redis_cmds_per_digest"`
	RedisCallsPerDgst  float64      `json:"redis_server_calls_per_digest"`
	StageSeconds       StageSeconds `json:"stage_seconds"`
	CPUMicrosPerMsg    CPUSeconds   `json:"cpu_us_per_message"`
	CPUEfficiency      float64      `json:"cpu_efficiency"`
	DigestsEmpty       int          `json:"digests_empty"`
	Skipped            int          `json:"skipped"`
	DueLeft            int64        `json:"due_left"`
	EightBit           bool         `json:"eight_bit"`
	Chunking           bool         `json:"chunking"`
	LoadAvg            [2]float64   `json:"loadavg_1m"`
	Conns              int          `json:"conns"`
	Workers            int          `json:"workers"`
	CPUs               int          `json:"cpus"`
	Procs              int          `json:"procs"`
	MaxProcs           int          `json:"gomaxprocs"` // each dispatch process's
	Masters            int          `json:"masters"`
	PerMaster          []MasterLoad `json:"per_master"`
	BusiestMasterShare float64      `json:"busiest_master_share"`
	RedisBytesPerSub   float64      `json:"redis_bytes_per_subscriber"`
	AllocsPerMessage   float64      `json:"allocs_per_message"`      // heap objects the dispatch allocated a message
	AllocBytesPerMsg   float64      `json:"alloc_bytes_per_message"` // heap bytes the dispatch allocated a message
	CPUModel           string       `json:"cpu_model"`               // /proc/cpuinfo's "model name"
}

// StageSeconds is time spent in each stage of the dispatch, summed over
// the workers (so it can exceed the wall time).
type StageSeconds struct {
	Claim  float64 `json:"claim"`
	Gather float64 `json:"gather"`
	Render float64 `json:"render"`
	Send   float64 `json:"send"`
	Finish float64 `json:"finish"`
}

// CPUSeconds is CPU time by process: during the dispatch (Herald, the
// sink, Redis when the bench started it) and during the wire-limit run
// (the bare client, the sink).
type CPUSeconds struct {
	Dispatch   float64 `json:"dispatch"`
	Sink       float64 `json:"sink"`
	Redis      float64 `json:"redis"`
	WireClient float64 `json:"wire_client"`
	WireSink   float64 `json:"wire_sink"`
}

// perMessage turns totals into microseconds a message.
func (c CPUSeconds) perMessage(sent, wireSent int) CPUSeconds {
	us := func(s float64, n int) float64 { return round(s*1e6/float64(n), 0) }
	return CPUSeconds{Dispatch: us(c.Dispatch, sent), Sink: us(c.Sink, sent), Redis: us(c.Redis, sent),
		WireClient: us(c.WireClient, wireSent), WireSink: us(c.WireSink, wireSent)}
}

// efficiency is CPU time a message takes on the wire (the bare client and
// the sink) over CPU time a digest takes (Herald, the sink, Redis): the
// efficiency the wall clock shows when both runs are CPU-bound, but
// unmoved by other load on the machine.
func (c CPUSeconds) efficiency() float64 {
	if herald := c.Dispatch + c.Sink + c.Redis; herald > 0 {
		return round((c.WireClient+c.WireSink)/herald, 3)
	}
	return 0
}

var numCPU = runtime.NumCPU

// orchestrate is the parent process: Redis, sink, seed, dispatch, wire.
func orchestrate(ctx context.Context, o *options, stderr io.Writer) (*Result, error) {
	log := o.logger(stderr)
	redisURL, redisPIDs, stop, err := startStore(ctx, o)
	if err != nil {
		return nil, err
	}
	defer stop()
	rdb, err := openRedis(ctx, redisURL, 128)
	if err != nil {
		return nil, err
	}
	defer rdb.Close()
	if err := clearPrefix(ctx, rdb, o.prefix); err != nil {
		return nil, fmt.Errorf("bench: clear %s*: %w", o.prefix, err)
	}
	sink, err := startSink()
	if err != nil {
		return nil, err
	}
	defer sink.stop()
	s := &seeder{rdb: rdb, prefix: o.prefix, now: time.Now().UTC(), o: o, log: log}
	if err := s.seed(ctx); err != nil {
		return nil, err
	}
	res, err := measure(ctx, o, rdb, redisURL, redisPIDs, sink)
	if err == nil {
		res.RedisBytesPerSub = round(float64(s.subBytes)/float64(o.n), 0)
	}
	return res, err
}

// startStore starts what -redis-url and -cluster ask for: nothing (a given
// Redis), a private cluster, or a private redis-server. It returns the URL,
// the PIDs of the servers it started and how to stop them.
func startStore(ctx context.Context, o *options) (string, []int, func(), error) {
	switch {
	case o.redisURL != "":
		return o.redisURL, nil, func() {}, nil
	case o.cluster > 0:
		c, err := startCluster(ctx, o.cluster)
		if err != nil {
			return "", nil, nil, err
		}
		var pids []int
		for _, n := range c.Nodes {
			pids = append(pids, n.PID())
		}
		return c.URL(), pids, c.Stop, nil
	}
	pr, err := startRedis(ctx)
	if err != nil {
		return "", nil, nil, err
	}
	return pr.url, []int{pr.cmd.Process.Pid}, pr.stop, nil
}

// measure runs the dispatch processes, then the wire-limit client.
func measure(ctx context.Context, o *options, rdb redis.UniversalClient, redisURL string, redisPIDs []int, sink *sinkProcess) (*Result, error) {
	load0 := loadAvg()
	masters0, err := readMasters(ctx, rdb)
	if err != nil {
		return nil, err
	}
	m0, b0, err := sink.counts()
	if err != nil {
		return nil, err
	}
	sinkPID := sink.cmd.Process.Pid
	sinkCPU, redisCPU := procCPU(sinkPID), procsCPU(redisPIDs)
	d, err := runDispatchChildren(ctx, o, redisURL, sink.addr)
	if err != nil {
		return nil, err
	}
	cpu := CPUSeconds{Dispatch: d.CPUSeconds, Sink: procCPU(sinkPID) - sinkCPU, Redis: procsCPU(redisPIDs) - redisCPU}
	masters1, err := readMasters(ctx, rdb)
	if err != nil {
		return nil, err
	}
	perMaster, calls, busiest := masterDeltas(masters0, masters1)
	sent := int64(d.Stats.Sent)
	m1, b1, err := sink.waitFor(m0+sent, time.Minute)
	if err != nil {
		return nil, err
	}
	if sent == 0 || m1-m0 != sent {
		return nil, fmt.Errorf("bench: dispatch sent %d, sink counted %d (stats %+v)", sent, m1-m0, d.Stats)
	}
	mean := int((b1 - b0) / sent)
	wireN := min(int(sent), o.wireMax)
	sinkCPU, selfCPU0 := procCPU(sinkPID), selfCPU()
	wire, err := wireLimit(sink.addr, o.conns, wireN, mean)
	if err != nil {
		return nil, err
	}
	cpu.WireClient, cpu.WireSink = selfCPU()-selfCPU0, procCPU(sinkPID)-sinkCPU
	rate := float64(sent) / d.Seconds
	per := cpu.perMessage(int(sent), wireN)
	return &Result{
		Subscribers: o.n, DigestsSent: int(sent), Seconds: round(d.Seconds, 2),
		DigestsPerS: round(rate, 0), WireLimitPerS: round(wire, 0), Efficiency: round(rate/wire, 3),
		PeakRSSMiB: round(float64(d.PeakRSSKiB)/1024, 1), MeanMessageBytes: mean,
		RedisCmdsPerDigest: round(float64(d.RedisCmds)/float64(sent), 3),
		RedisCallsPerDgst:  round(float64(calls-int64(len(masters1)))/float64(sent), 3),
		StageSeconds:       roundStages(d.Stages), CPUMicrosPerMsg: per, CPUEfficiency: per.efficiency(),
		DigestsEmpty: d.Stats.Empty, Skipped: d.Stats.Skipped, DueLeft: d.DueLeft, EightBit: o.eightBit, Chunking: o.chunking,
		LoadAvg: [2]float64{load0, loadAvg()}, Conns: o.conns, Workers: o.workers, CPUs: numCPU(),
		Procs: o.procs, MaxProcs: d.MaxProcs, Masters: len(masters1), PerMaster: perMaster, BusiestMasterShare: busiest,
		AllocsPerMessage: round(float64(d.Mallocs)/float64(sent), 0), AllocBytesPerMsg: round(float64(d.AllocBytes)/float64(sent), 0),
		CPUModel: cpuModel(),
	}, nil
}

// procsCPU sums procCPU over pids.
func procsCPU(pids []int) float64 {
	var s float64
	for _, p := range pids {
		s += procCPU(p)
	}
	return s
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

func roundStages(s StageSeconds) StageSeconds {
	return StageSeconds{Claim: round(s.Claim, 2), Gather: round(s.Gather, 2),
		Render: round(s.Render, 2), Send: round(s.Send, 2), Finish: round(s.Finish, 2)}
}
