package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// The sink is a go-smtp server that counts messages and their bytes and
// keeps nothing. It runs in its own process (this binary with -sink ADDR)
// so that its CPU and memory are not Herald's. It prints its address on
// the first line of stdout, then answers each "count" line on stdin with
// "MESSAGES BYTES"; it exits when stdin closes.

// sinkCounts is what the sink has accepted.
type sinkCounts struct {
	messages atomic.Int64
	bytes    atomic.Int64
}

type sinkBackend struct{ c *sinkCounts }

func (b sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return sinkSession(b), nil }

type sinkSession struct{ c *sinkCounts }

func (sinkSession) Reset()                               {}
func (sinkSession) Logout() error                        { return nil }
func (sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s sinkSession) Data(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	s.c.bytes.Add(n)
	s.c.messages.Add(1)
	return nil
}

// runSink is the sink process.
func runSink(addr string, in io.Reader, out io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("bench sink: listen: %w", err)
	}
	counts := &sinkCounts{}
	srv := smtp.NewServer(sinkBackend{counts})
	srv.Domain = "sink.localhost"
	srv.ReadTimeout = 5 * time.Minute
	srv.WriteTimeout = 5 * time.Minute
	srv.MaxMessageBytes = 32 << 20
	srv.MaxRecipients = 10
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintln(out, ln.Addr().String())
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "count" {
			fmt.Fprintf(out, "%d %d\n", counts.messages.Load(), counts.bytes.Load())
		}
	}
	return srv.Close()
}

// sinkProcess is the parent's handle on the sink process.
type sinkProcess struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	addr string
}

func startSink() (*sinkProcess, error) {
	cmd := exec.Command(os.Args[0], "-sink", "127.0.0.1:0")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start sink: %w", err)
	}
	s := &sinkProcess{cmd: cmd, in: in, out: bufio.NewReader(outPipe)}
	line, err := s.out.ReadString('\n')
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("bench: sink address: %w", err)
	}
	s.addr = strings.TrimSpace(line)
	return s, nil
}

// counts asks the sink what it has accepted so far.
func (s *sinkProcess) counts() (messages, bytes int64, err error) {
	if _, err := io.WriteString(s.in, "count\n"); err != nil {
		return 0, 0, fmt.Errorf("bench: ask sink: %w", err)
	}
	line, err := s.out.ReadString('\n')
	if err != nil {
		return 0, 0, fmt.Errorf("bench: read sink: %w", err)
	}
	_, err = fmt.Sscanf(line, "%d %d", &messages, &bytes)
	return messages, bytes, err
}

// waitFor polls until the sink has counted at least want messages.
func (s *sinkProcess) waitFor(want int64, timeout time.Duration) (messages, bytes int64, err error) {
	deadline := time.Now().Add(timeout)
	for {
		messages, bytes, err = s.counts()
		if err != nil || messages >= want {
			return messages, bytes, err
		}
		if time.Now().After(deadline) {
			return messages, bytes, fmt.Errorf("bench: sink counted %d messages, want %d", messages, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *sinkProcess) stop() {
	_ = s.in.Close()
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}
