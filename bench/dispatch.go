package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"herald/app"
	"herald/digest"
)

// dispatchResult is what the dispatch process reports on stdout.
type dispatchResult struct {
	Stats      digest.Stats
	Seconds    float64
	Stages     StageSeconds
	PeakRSSKiB int64
	CPUSeconds float64 // this process's user+system CPU during the run
	RedisCmds  int64   // commands this process sent to Redis
	DueLeft    int64   // subscribers still due after the run
	Mallocs    uint64  // heap objects allocated during the run
	AllocBytes uint64  // heap bytes allocated during the run
	MaxProcs   int     // GOMAXPROCS of the process
}

// runDispatch is the dispatch process: Herald's app wiring, email channel
// and runner, one RunOnce over everything due.
func runDispatch(ctx context.Context, o *options, stdout, stderr io.Writer) error {
	logger := o.logger(stderr)
	app.RouteRedisLogs(logger)
	var cmds atomic.Int64
	rdb, err := openRedis(ctx, o.redisURL, 0)
	if err != nil {
		return err
	}
	defer rdb.Close()
	rdb.AddHook(cmdCounter{&cmds})
	a, err := app.New(ctx, dispatchConfig(o), app.Options{RDB: rdb, Logger: logger})
	if err != nil {
		return err
	}
	defer a.Close()
	chans, err := a.OpenChannels(ctx)
	if err != nil {
		return err
	}
	r := a.Runner(chans.ByKind)
	r.Stages = &digest.StageTimes{}
	if o.memProfile != "" {
		var once sync.Once
		r.Progress = func(st digest.Stats) {
			if st.Sent == o.n/2 {
				once.Do(func() { go writeHeapProfile(o.memProfile, stderr) })
			}
		}
	}
	if o.profile != "" {
		stop, err := startProfile(o.profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	cmds.Store(0)
	var mem0, mem1 runtime.MemStats
	runtime.ReadMemStats(&mem0)
	cpu0 := selfCPU()
	start := time.Now()
	st, err := r.RunOnce(ctx)
	elapsed := time.Since(start)
	cpu := selfCPU() - cpu0
	runtime.ReadMemStats(&mem1)
	if err != nil {
		return err
	}
	sent := cmds.Load()
	if err := chans.Close(); err != nil {
		return err
	}
	left, _, _ := a.Subs.Backlog(ctx, time.Now())
	res := dispatchResult{Stats: st, Seconds: elapsed.Seconds(), Stages: stageSeconds(r.Stages),
		PeakRSSKiB: peakRSS(), CPUSeconds: cpu, RedisCmds: sent, DueLeft: left,
		Mallocs: mem1.Mallocs - mem0.Mallocs, AllocBytes: mem1.TotalAlloc - mem0.TotalAlloc,
		MaxProcs: runtime.GOMAXPROCS(0)}
	return json.NewEncoder(stdout).Encode(res)
}

func dispatchConfig(o *options) app.Config {
	cfg := app.DefaultConfig()
	cfg.RedisURL = o.redisURL
	cfg.RedisPrefix = o.prefix
	cfg.SMTPURL = "smtp://" + o.smtpAddr + "?tls=none" // Herald's default: 8bit and BDAT to a server offering them
	if !o.eightBit {
		cfg.SMTPURL += "&8bit=false"
	}
	if !o.chunking {
		cfg.SMTPURL += "&chunking=false"
	}
	cfg.From = "Herald News <digest@news.example.com>"
	cfg.BaseURL = "https://herald.example.com"
	cfg.SiteURL = "https://news.example.com"
	cfg.UnsubMailto = "unsubscribe@news.example.com"
	cfg.Secret = randomHex(32)
	cfg.SMTPPool = o.conns
	cfg.Workers = o.workers
	if o.batch > 0 {
		cfg.BatchSize = o.batch
	}
	cfg.LogLevel = "warn"
	return cfg
}

func stageSeconds(s *digest.StageTimes) StageSeconds {
	sec := func(ns int64) float64 { return float64(ns) / 1e9 }
	return StageSeconds{Claim: sec(s.Claim.Load()), Gather: sec(s.Gather.Load()),
		Render: sec(s.Render.Load()), Send: sec(s.Send.Load()), Finish: sec(s.Finish.Load())}
}

// writeHeapProfile writes the live heap to path.
func writeHeapProfile(path string, stderr io.Writer) {
	f, err := os.Create(path)
	if err == nil {
		runtime.GC()
		err = pprof.WriteHeapProfile(f)
		_ = f.Close()
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench: heap profile:", err)
	}
}

func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("bench: cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("bench: cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}

// peakRSS is this process's peak resident set (VmHWM) in KiB.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// runDispatchChildren runs o.procs dispatch processes at once and adds up
// their reports: the run lasts as long as the slowest, the peak RSS is the
// largest, and due_left is the last one's view.
func runDispatchChildren(ctx context.Context, o *options, redisURL, smtpAddr string) (*dispatchResult, error) {
	results := make([]*dispatchResult, o.procs)
	errs := make([]error, o.procs)
	var wg sync.WaitGroup
	for i := range o.procs {
		wg.Go(func() { results[i], errs[i] = runDispatchChild(ctx, o, i, redisURL, smtpAddr) })
	}
	wg.Wait()
	var sum dispatchResult
	for i, r := range results {
		if errs[i] != nil {
			return nil, errs[i]
		}
		sum.add(r)
	}
	return &sum, nil
}

func (d *dispatchResult) add(r *dispatchResult) {
	d.Stats.Claimed += r.Stats.Claimed
	d.Stats.Sent += r.Stats.Sent
	d.Stats.Temporary += r.Stats.Temporary
	d.Stats.Permanent += r.Stats.Permanent
	d.Stats.Empty += r.Stats.Empty
	d.Stats.Skipped += r.Stats.Skipped
	d.Seconds = max(d.Seconds, r.Seconds)
	d.Stages = StageSeconds{Claim: d.Stages.Claim + r.Stages.Claim, Gather: d.Stages.Gather + r.Stages.Gather,
		Render: d.Stages.Render + r.Stages.Render, Send: d.Stages.Send + r.Stages.Send, Finish: d.Stages.Finish + r.Stages.Finish}
	d.PeakRSSKiB = max(d.PeakRSSKiB, r.PeakRSSKiB)
	d.CPUSeconds += r.CPUSeconds
	d.RedisCmds += r.RedisCmds
	d.Mallocs += r.Mallocs
	d.AllocBytes += r.AllocBytes
	d.DueLeft = r.DueLeft
	d.MaxProcs = max(d.MaxProcs, r.MaxProcs)
}

// procFile is the profile path of dispatch process i: path itself when
// there is one process, path.i when there are more (each writes its own).
func procFile(path string, i, procs int) string {
	if procs == 1 {
		return path
	}
	return path + "." + strconv.Itoa(i)
}

// childMaxProcs is the GOMAXPROCS a dispatch process runs with: -gomaxprocs,
// or its share of the cores when several processes share them (each Go
// runtime sized for the whole machine spends CPU spinning and switching
// in the others' way, as three hosts' would not); 0 leaves Go's default.
func (o *options) childMaxProcs() int {
	switch {
	case o.maxProcs > 0:
		return o.maxProcs
	case o.procs > 1:
		return max(1, numCPU()/o.procs)
	}
	return 0
}

// runDispatchChild runs dispatch process i and reads its report.
func runDispatchChild(ctx context.Context, o *options, i int, redisURL, smtpAddr string) (*dispatchResult, error) {
	args := []string{"-dispatch", "-redis-url", redisURL, "-smtp", smtpAddr,
		"-conns", strconv.Itoa(o.conns), "-workers", strconv.Itoa(o.workers),
		"-batch", strconv.Itoa(o.batch), "-prefix", o.prefix, "-8bit=" + strconv.FormatBool(o.eightBit),
		"-chunking=" + strconv.FormatBool(o.chunking)}
	if o.verbose {
		args = append(args, "-v")
	}
	if o.profile != "" {
		args = append(args, "-cpuprofile", procFile(o.profile, i, o.procs))
	}
	if o.memProfile != "" {
		args = append(args, "-memprofile", procFile(o.memProfile, i, o.procs), "-n", strconv.Itoa(o.n))
	}
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Stderr = os.Stderr
	if n := o.childMaxProcs(); n > 0 {
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(n))
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("bench: dispatch process: %w", err)
	}
	var res dispatchResult
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("bench: dispatch report %q: %w", out, err)
	}
	return &res, nil
}
