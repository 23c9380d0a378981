// Package mailpittest runs a real mailpit for tests: skipped when mailpit
// is not on PATH, unless HERALD_TEST_REQUIRE_MAILPIT=1 makes it required.
package mailpittest

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Mailpit is a running mailpit.
type Mailpit struct {
	t        testing.TB
	API      string // base URL of its web API
	SMTPHost string
	SMTPPort int
}

// Start runs mailpit on free ports until the test ends and waits until
// its API answers.
func Start(t testing.TB) *Mailpit {
	t.Helper()
	bin, err := exec.LookPath("mailpit")
	if err != nil {
		if os.Getenv("HERALD_TEST_REQUIRE_MAILPIT") == "1" {
			t.Fatal("mailpit is not on PATH (go install github.com/axllent/mailpit@v1.33.1)")
		}
		t.Skip("mailpit is not on PATH")
	}
	webAddr, smtpAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(bin, "--listen", webAddr, "--smtp", smtpAddr, "--quiet", "--disable-version-check", "--database", t.TempDir()+"/mailpit.db")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	host, port, _ := net.SplitHostPort(smtpAddr)
	m := &Mailpit{t: t, API: "http://" + webAddr, SMTPHost: host}
	m.SMTPPort, _ = strconv.Atoi(port)
	m.waitReady()
	return m
}

func (m *Mailpit) waitReady() {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if resp, err := http.Get(m.API + "/api/v1/info"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-ctx.Done():
			m.t.Fatal("mailpit did not answer within 30s")
		case <-time.After(50 * time.Millisecond): // polling for readiness, not for a result
		}
	}
}

// SMTPAddr is host:port of its SMTP server.
func (m *Mailpit) SMTPAddr() string { return net.JoinHostPort(m.SMTPHost, strconv.Itoa(m.SMTPPort)) }

// MessageIDs are mailpit's IDs of the messages it holds, newest first.
func (m *Mailpit) MessageIDs() []string {
	m.t.Helper()
	var list struct{ Messages []struct{ ID string } }
	m.GetJSON("/api/v1/messages", &list)
	ids := make([]string, 0, len(list.Messages))
	for _, msg := range list.Messages {
		ids = append(ids, msg.ID)
	}
	return ids
}

// Raw is a message's source as mailpit keeps it.
func (m *Mailpit) Raw(id string) []byte {
	m.t.Helper()
	return m.get("/api/v1/message/" + id + "/raw")
}

// GetJSON decodes the API's answer at path into v.
func (m *Mailpit) GetJSON(path string, v any) {
	m.t.Helper()
	if err := json.Unmarshal(m.get(path), v); err != nil {
		m.t.Fatalf("GET %s: %v", path, err)
	}
}

func (m *Mailpit) get(path string) []byte {
	m.t.Helper()
	resp, err := http.Get(m.API + path)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		m.t.Fatalf("GET %s: %s %v", path, resp.Status, err)
	}
	return b
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
