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
	"os"
	"os/signal"
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
	chunking bool
	cluster  int // masters of a private cluster; 0: one redis-server
	procs    int // dispatch processes
	maxProcs int // GOMAXPROCS of each dispatch process; 0: its share of the cores

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
	fs.BoolVar(&o.eightBit, "8bit", true, "send 8bit bodies (Herald's default to a server offering 8BITMIME); false: quoted-printable (smtp-url 8bit=false)")
	fs.BoolVar(&o.chunking, "chunking", true, "send each message as one BDAT chunk (Herald's default to a server offering CHUNKING); false: DATA (smtp-url chunking=false)")
	fs.IntVar(&o.cluster, "cluster", 0, "start a private Redis Cluster of this many masters (no replicas) instead of one redis-server")
	fs.IntVar(&o.procs, "procs", 1, "dispatch processes running at once")
	fs.IntVar(&o.maxProcs, "gomaxprocs", 0, "GOMAXPROCS of each dispatch process (default: its share of the cores, max(1, cores / -procs); Go's own with one process)")
	fs.StringVar(&o.sink, "sink", "", "internal: run as the SMTP sink on this address")
	fs.BoolVar(&o.dispatch, "dispatch", false, "internal: run as the dispatch process")
	fs.StringVar(&o.smtpAddr, "smtp", "", "internal: the sink's address (dispatch process)")
	fs.StringVar(&o.prefix, "prefix", benchPrefix, "internal: Redis key prefix")
	fs.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the dispatch process to this file (FILE.0, FILE.1, ... with -procs > 1)")
	fs.StringVar(&o.memProfile, "memprofile", "", "write a heap profile of the dispatch process, half way, to this file (FILE.0, ... with -procs > 1)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.workers <= 0 {
		o.workers = o.conns
	}
	if o.n < 1 || o.topics < 8 || o.stories < 1 || o.conns < 1 || o.procs < 1 || o.cluster < 0 || o.maxProcs < 0 {
		return nil, fmt.Errorf("bench: want -n >= 1, -topics >= 8, -stories >= 1, -conns >= 1, -procs >= 1, -cluster >= 0, -gomaxprocs >= 0")
	}
	if o.cluster > 0 && o.redisURL != "" {
		return nil, fmt.Errorf("bench: -cluster starts its own cluster: drop -redis-url")
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

// logger logs warnings, and progress when -v is set.
func (o *options) logger(stderr io.Writer) *slog.Logger {
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
}
