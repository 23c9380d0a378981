package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"herald/internal/redistest"
	"herald/internal/smtptest"
)

// readmeLines are the command lines of the README's fenced sh blocks in the
// sections whose headings are given, in order.
func readmeLines(t *testing.T, sections ...string) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, s := range sections {
		want["## "+s] = true
	}
	var lines []string
	in, fenced := false, false
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			in = want[line]
		case in && line == "```sh":
			fenced = true
		case fenced && line == "```":
			fenced = false
		case in && fenced && strings.TrimSpace(line) != "":
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		t.Fatalf("found no command lines in %v", sections)
	}
	return lines
}

// readmeRig is where the README's lines run: a fresh folder holding the
// examples, the built binary on PATH, a real redis-server and SMTP sink.
type readmeRig struct {
	t            *testing.T
	dir, envFile string
	env          []string
	redis, smtp  string
	httpAddr     string
	lastOut      string
}

func newReadmeRig(t *testing.T) *readmeRig {
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "herald"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	_, prefix := redistest.Client(t)
	r := &readmeRig{t: t, dir: t.TempDir(), redis: redistest.Addr(t), smtp: smtptest.Start(t).Addr(), httpAddr: freeAddr(t)}
	examples, _ := filepath.Abs("../../examples")
	if err := os.Symlink(examples, filepath.Join(r.dir, "examples")); err != nil {
		t.Fatal(err)
	}
	r.envFile = filepath.Join(t.TempDir(), "env.sh")
	if err := os.WriteFile(r.envFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r.env = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "HOME=" + r.dir, "HERALD_REDIS_PREFIX=" + prefix,
		"HERALD_HTTP_ADDR=" + r.httpAddr, "HERALD_LOG_LEVEL=warn"}
	return r
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// local points the README's servers at the test's own.
func (r *readmeRig) local(line string) string {
	return strings.NewReplacer("127.0.0.1:6379", r.redis, "127.0.0.1:1025", r.smtp).Replace(line)
}

// shell runs line in bash with the exports of the lines before it.
func (r *readmeRig) shell(line string) *exec.Cmd {
	script := fmt.Sprintf("source %q\n%s\nrc=$?\nexport -p > %q\nexit $rc", r.envFile, r.local(line), r.envFile)
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir, cmd.Env = r.dir, r.env
	return cmd
}

func (r *readmeRig) run(line string) {
	r.t.Helper()
	if strings.HasPrefix(line, "herald serve") {
		r.serve(line)
		return
	}
	out, err := r.shell(line).CombinedOutput()
	r.lastOut = string(out)
	if err != nil {
		r.t.Fatalf("README line failed: %s\n%v\n%s", line, err, out)
	}
}

// serve starts the line, waits until /healthz answers, then stops it with
// SIGTERM and expects a clean exit.
func (r *readmeRig) serve(line string) {
	r.t.Helper()
	cmd := exec.Command("bash", "-c", fmt.Sprintf("source %q\nexec %s", r.envFile, r.local(line)))
	cmd.Dir, cmd.Env = r.dir, r.env
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := waitHealthy(ctx, "http://"+r.httpAddr+"/healthz"); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		r.t.Fatalf("%s: %v\n%s", line, err, out.String())
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		r.t.Fatalf("%s after SIGTERM: %v\n%s", line, err, out.String())
	}
}

// waitHealthy polls url until it answers 200 or ctx ends.
func waitHealthy(ctx context.Context, url string) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not healthy: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// Every command line of the README's "Running it", Console and Slack sections runs,
// in order, against a real redis-server and SMTP sink, and the path ends
// with previews that hold stories. The README cannot drift from the code.
func TestReadmeRunningIt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the README")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	r := newReadmeRig(t)
	lines := readmeLines(t, "Running it", "Console", "Slack")
	if len(lines) < 10 {
		t.Fatalf("found %d command lines in Running it, Console and Slack", len(lines))
	}
	for _, line := range lines {
		r.run(line)
	}
	html, err := os.ReadFile(filepath.Join(r.dir, "digest.html"))
	if err != nil || !strings.Contains(string(html), "news.example.com/stories/") {
		t.Errorf("digest.html holds no stories: %v\n%.500s", err, html)
	}
	if !strings.Contains(r.lastOut, `"blocks"`) || !strings.Contains(r.lastOut, "news.example.com/stories/") {
		t.Errorf("the last preview (a team's) holds no stories:\n%.1000s", r.lastOut)
	}
}
