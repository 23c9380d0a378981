// Command bench measures one full Herald dispatch against the speed of the
// wire. In one run it starts (or uses) a redis-server, starts a discarding
// SMTP sink in a child process, seeds subscribers, topics and a day of
// stories through Herald's own stores, runs one dispatch with Herald's real
// runner, templates and email channel in another child process, then sends
// the same number of pre-built messages of the same mean size with a bare
// net/smtp client over the same number of connections, and prints one JSON
// line comparing the two. See README.md.
//
//	go run ./bench -n 100000
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"runtime"
	"time"

	"github.com/redis/go-redis/v9"
)

// options are the bench's flags.
type options struct {
	n        int
	topics   int
	stories  int
	conns    int
	workers  int
	batch    int
	redisURL string
	wireMax  int
	seed     uint64
	verbose  bool
	eightBit bool

	// hidden: the child process roles.
	sink       string
	dispatch   bool
	smtpAddr   string
	prefix     string
	profile    string
	memProfile string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.n, "n", 100_000, "subscribers")
	fs.IntVar(&o.topics, "topics", 500, "topics")
	fs.IntVar(&o.stories, "stories", 5_000, "stories ingested over the last 24 hours")
	fs.IntVar(&o.conns, "conns", 16, "SMTP connections (Herald's pool and the wire-limit client)")
	fs.IntVar(&o.workers, "workers", 0, "dispatch workers (default: -conns)")
	fs.IntVar(&o.batch, "batch", 0, "subscribers claimed per batch (default: Herald's)")
	fs.StringVar(&o.redisURL, "redis-url", "", "Redis to use (default: start a private redis-server)")
	fs.IntVar(&o.wireMax, "wire-max", 200_000, "messages the wire-limit client sends at most")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed of the generated data")
	fs.BoolVar(&o.verbose, "v", false, "progress on stderr")
	fs.BoolVar(&o.eightBit, "8bit", true, "send 8bit bodies (Herald's smtp-url 8bit=true); false: quoted-printable")
	fs.StringVar(&o.sink, "sink", "", "internal: run as the SMTP sink on this address")
	fs.BoolVar(&o.dispatch, "dispatch", false, "internal: run as the dispatch process")
	fs.StringVar(&o.smtpAddr, "smtp", "", "internal: the sink's address (dispatch process)")
	fs.StringVar(&o.prefix, "prefix", benchPrefix, "internal: Redis key prefix")
	fs.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the dispatch process to this file")
	fs.StringVar(&o.memProfile, "memprofile", "", "write a heap profile of the dispatch process, half way, to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.workers <= 0 {
		o.workers = o.conns
	}
	if o.n < 1 || o.topics < 8 || o.stories < 1 || o.conns < 1 {
		return nil, fmt.Errorf("bench: want -n >= 1, -topics >= 8, -stories >= 1, -conns >= 1")
	}
	return o, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	switch {
	case o.sink != "":
		return runSink(o.sink, os.Stdin, stdout)
	case o.dispatch:
		return runDispatch(ctx, o, stdout, stderr)
	}
	res, err := orchestrate(ctx, o, stderr)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(res)
}

// logf prints progress when -v is set.
func (o *options) logger(stderr io.Writer) *slog.Logger {
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
}

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
	Conns              int          `json:"conns"`
	Workers            int          `json:"workers"`
	CPUs               int          `json:"cpus"`
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

var numCPU = runtime.NumCPU

// orchestrate is the parent process: Redis, sink, seed, dispatch, wire.
func orchestrate(ctx context.Context, o *options, stderr io.Writer) (*Result, error) {
	log := o.logger(stderr)
	redisURL, redisPID := o.redisURL, 0
	if redisURL == "" {
		pr, err := startRedis(ctx)
		if err != nil {
			return nil, err
		}
		defer pr.stop()
		redisURL, redisPID = pr.url, pr.cmd.Process.Pid
	}
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
	return measure(ctx, o, rdb, redisURL, redisPID, sink)
}

// measure runs the dispatch process, then the wire-limit client.
func measure(ctx context.Context, o *options, rdb *redis.Client, redisURL string, redisPID int, sink *sinkProcess) (*Result, error) {
	calls0, err := serverCalls(ctx, rdb)
	if err != nil {
		return nil, err
	}
	m0, b0, err := sink.counts()
	if err != nil {
		return nil, err
	}
	sinkPID := sink.cmd.Process.Pid
	sinkCPU, redisCPU := procCPU(sinkPID), procCPU(redisPID)
	d, err := runDispatchChild(ctx, o, redisURL, sink.addr)
	if err != nil {
		return nil, err
	}
	cpu := CPUSeconds{Dispatch: d.CPUSeconds, Sink: procCPU(sinkPID) - sinkCPU}
	if redisPID != 0 {
		cpu.Redis = procCPU(redisPID) - redisCPU
	}
	calls1, err := serverCalls(ctx, rdb)
	if err != nil {
		return nil, err
	}
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
	return &Result{
		Subscribers: o.n, DigestsSent: int(sent), Seconds: round(d.Seconds, 2),
		DigestsPerS: round(rate, 0), WireLimitPerS: round(wire, 0), Efficiency: round(rate/wire, 3),
		PeakRSSMiB: round(float64(d.PeakRSSKiB)/1024, 1), MeanMessageBytes: mean,
		RedisCmdsPerDigest: round(float64(d.RedisCmds)/float64(sent), 3),
		RedisCallsPerDgst:  round(float64(calls1-calls0-1)/float64(sent), 3),
		StageSeconds:       roundStages(d.Stages), CPUMicrosPerMsg: cpu.perMessage(int(sent), wireN),
		Conns: o.conns, Workers: o.workers, CPUs: numCPU(),
	}, nil
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

func roundStages(s StageSeconds) StageSeconds {
	return StageSeconds{Claim: round(s.Claim, 2), Gather: round(s.Gather, 2),
		Render: round(s.Render, 2), Send: round(s.Send, 2), Finish: round(s.Finish, 2)}
}
