package e2e

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Dispatch settings every scenario runs herald with.
//
// The lease is a minute: longer than any send, as HERALD_LEASE must be. A
// send can take seconds here (Slack paces a channel to a post a second; the
// email channel retries a refused connection within one send), and a batch
// holds its claims while eight workers work through it; a lease that ends
// first lets the next tick claim the same subscribers and send them again
// (seen with 5s: "complete ... lease lost" and every such reader twice).
// Scenarios that kill or cut off herald and wait for its claims to expire
// use shortLease instead, the least HERALD_LEASE allows.
const (
	workers    = 8
	batchSize  = 100
	lease      = time.Minute
	shortLease = 5 * time.Second
	retryDelay = 2 * time.Second
	grace      = 10 * time.Second
)

// withShortLease is the env setting for shortLease.
var withShortLease = "HERALD_LEASE=" + shortLease.String()

var (
	heraldBin string // built once by TestMain
	binDir    string
	seed      uint64 // for the random kill points; HERALD_E2E_SEED repeats a run
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := run(m)
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func run(m *testing.M) int {
	if testing.Short() {
		return m.Run() // every scenario skips itself
	}
	seed = rand.Uint64()
	if s := os.Getenv("HERALD_E2E_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e: HERALD_E2E_SEED %q: %v\n", s, err)
			return 2
		}
		seed = n
	}
	var err error
	if binDir, err = os.MkdirTemp("", "herald-e2e-"); err == nil {
		heraldBin, err = buildHerald(binDir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// buildHerald builds herald/cmd/herald from the module root into dir.
func buildHerald(dir string) (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the herald module (go env GOMOD = %q)", gomod)
	}
	bin := filepath.Join(dir, "herald")
	args := []string{"build", "-o", bin}
	if os.Getenv("HERALD_E2E_RACE") == "1" {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "herald/cmd/herald")...)
	build.Dir = filepath.Dir(gomod)
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build herald: %w\n%s", err, out)
	}
	return bin, nil
}

// needFull skips the scenario under -short and when the machine lacks
// redis-server (failing instead when HERALD_TEST_REQUIRE_REDIS=1, as CI sets).
func needFull(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("fault-injection scenario: skipped with -short")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("HERALD_TEST_REQUIRE_REDIS") == "1" {
			t.Fatal("redis-server not on PATH and HERALD_TEST_REQUIRE_REDIS=1")
		}
		t.Skip("redis-server not on PATH: install it to run the fault-injection suite")
	}
}

// newRand is the scenario's random source, derived from the run's seed so
// a failing run can be repeated with HERALD_E2E_SEED.
func newRand(t *testing.T) *rand.Rand {
	t.Helper()
	t.Logf("random kill points from HERALD_E2E_SEED=%d", seed)
	return rand.New(rand.NewPCG(seed, uint64(len(t.Name()))))
}

// outcome is what a scenario's channel received, against what it should.
type outcome struct {
	sent       int // destinations that got their message
	duplicates int // messages beyond one per destination
	lost       int // destinations that got nothing
}

// report prints the scenario's summary line to the test log and stdout.
func report(t *testing.T, name string, o outcome) {
	t.Helper()
	line := fmt.Sprintf("scenario %s: sent=%d duplicates=%d lost=%d", name, o.sent, o.duplicates, o.lost)
	t.Log(line)
	fmt.Println(line)
}
