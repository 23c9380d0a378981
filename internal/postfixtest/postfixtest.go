// Package postfixtest runs a private Postfix instance for tests: its own
// configuration, queue and Maildir in a temporary folder, an SMTP port of
// its own on 127.0.0.1, every domain's mail delivered to one Maildir, and
// no header rewriting, so a message is stored as the client sent it under
// the trace headers Postfix puts on top. It needs the postfix command and
// root (Postfix's master starts as root); without them the test is
// skipped, unless HERALD_TEST_REQUIRE_POSTFIX=1 makes them required.
package postfixtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Domains are the recipient domains the instance takes mail for.
var Domains = []string{"example.org", "example.com", "example.net"}

// Postfix is a running instance.
type Postfix struct {
	t    testing.TB
	bin  string // the postfix command
	dir  string
	Host string
	Port int
}

// Start configures and starts an instance until the test ends.
func Start(t testing.TB) *Postfix {
	t.Helper()
	bin, uid, gid := requirements(t)
	dir, err := os.MkdirTemp("", "herald-postfix-")
	if err != nil {
		t.Fatal(err)
	}
	p := &Postfix{t: t, bin: bin, dir: dir, Host: "127.0.0.1", Port: freePort(t)}
	t.Cleanup(p.stop)
	p.layout(uid, gid)
	if out, err := exec.Command(bin, "-c", p.path("conf"), "start").CombinedOutput(); err != nil {
		t.Fatalf("postfix start: %v\n%s\n%s", err, out, p.Log())
	}
	p.waitListening()
	return p
}

// requirements skips (or fails, when required) without postfix or root,
// and returns the command and the ids of the postfix user, who owns the
// Maildir.
func requirements(t testing.TB) (bin string, uid, gid int) {
	t.Helper()
	bin, err := exec.LookPath("postfix")
	if err != nil { // /usr/sbin is not on every PATH
		bin, err = exec.LookPath("/usr/sbin/postfix")
	}
	u, uerr := user.Lookup("postfix")
	why := ""
	switch {
	case err != nil:
		why = "postfix is not on PATH (apt-get install postfix)"
	case uerr != nil:
		why = "there is no postfix user: " + uerr.Error()
	case os.Geteuid() != 0:
		why = "starting Postfix needs root"
	}
	if why != "" {
		if os.Getenv("HERALD_TEST_REQUIRE_POSTFIX") == "1" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return bin, uid, gid
}

func (p *Postfix) path(name string) string { return filepath.Join(p.dir, name) }

// layout writes main.cf and master.cf and makes the folders Postfix does
// not make itself: the top one readable by the postfix user, the Maildir
// and data folder its own.
func (p *Postfix) layout(uid, gid int) {
	p.t.Helper()
	must(p.t, os.Chmod(p.dir, 0o755))
	for _, d := range []string{"conf", "queue", "data", "mail"} {
		must(p.t, os.Mkdir(p.path(d), 0o755))
	}
	must(p.t, os.Chown(p.path("data"), uid, -1))
	must(p.t, os.Chown(p.path("mail"), uid, gid))
	must(p.t, os.WriteFile(p.path("conf/main.cf"), []byte(p.mainCF(uid, gid)), 0o644))
	must(p.t, os.WriteFile(p.path("conf/master.cf"), []byte(p.masterCF()), 0o644))
}

func (p *Postfix) mainCF(uid, gid int) string {
	return fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s/queue
data_directory = %[1]s/data
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = relay.test
mydestination =
mynetworks = 127.0.0.0/8
local_header_rewrite_clients =
virtual_mailbox_domains = %[2]s
virtual_mailbox_base = %[1]s
virtual_mailbox_maps = static:mail/
virtual_uid_maps = static:%[3]d
virtual_gid_maps = static:%[4]d
virtual_minimum_uid = 1
maillog_file_prefixes = %[1]s
maillog_file = %[1]s/postfix.log
syslog_name = postfix-herald-test
smtpd_banner = $myhostname ESMTP
`, p.dir, strings.Join(Domains, " "), uid, gid)
}

// masterCF runs what receiving and Maildir delivery take, none chrooted.
func (p *Postfix) masterCF() string {
	return fmt.Sprintf("%s:%d inet n - n - - smtpd\n", p.Host, p.Port) + `cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
virtual unix - n n - - virtual
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
showq unix n - n - - showq
postlog unix-dgram n - n - 1 postlogd
`
}

func (p *Postfix) stop() {
	_ = exec.Command(p.bin, "-c", p.path("conf"), "stop").Run()
	_ = os.RemoveAll(p.dir)
}

// Addr is host:port of its SMTP server.
func (p *Postfix) Addr() string { return net.JoinHostPort(p.Host, strconv.Itoa(p.Port)) }

// Log is what Postfix logged so far: smtpd's "disconnect from" lines count
// each session's commands (data=1, bdat=1).
func (p *Postfix) Log() string {
	b, _ := os.ReadFile(p.path("postfix.log"))
	return string(b)
}

// waitListening polls until smtpd answers on its port: master opens it
// after "postfix start" has returned.
func (p *Postfix) waitListening() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if c, err := net.Dial("tcp", p.Addr()); err == nil {
			c.Close()
			return
		}
		select {
		case <-ctx.Done():
			p.t.Fatalf("postfix did not listen on %s within 30s\n%s", p.Addr(), p.Log())
		case <-time.After(50 * time.Millisecond): // polling for readiness, not for a result
		}
	}
}

// WaitFor polls until the Maildir holds n messages (delivery follows the
// SMTP session's end through the queue) and returns them, oldest first,
// with Postfix's trace headers taken off (see Sent).
func (p *Postfix) WaitFor(ctx context.Context, n int) ([][]byte, error) {
	for {
		msgs, err := p.messages()
		if err != nil || len(msgs) >= n {
			return msgs, err
		}
		select {
		case <-ctx.Done():
			return msgs, fmt.Errorf("postfixtest: %d of %d messages delivered: %w\n%s", len(msgs), n, ctx.Err(), p.Log())
		case <-time.After(20 * time.Millisecond): // the queue manager delivers on its own time
		}
	}
}

func (p *Postfix) messages() ([][]byte, error) {
	files, err := filepath.Glob(p.path("mail/new/*"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files) // Maildir names start with the delivery time
	out := make([][]byte, 0, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, Sent(b))
	}
	return out, nil
}

// trace are the headers Postfix puts on top of a stored message.
var trace = [][]byte{[]byte("Return-Path:"), []byte("X-Original-To:"), []byte("Delivered-To:"), []byte("Received:")}

// Sent is a stored message as its client sent it: the trace headers on
// top (and their folded lines) taken off. Line ends stay LF, as Maildir
// keeps them.
func Sent(stored []byte) []byte {
	b := stored
	for {
		line, rest, _ := bytes.Cut(b, []byte("\n"))
		folded := len(b) < len(stored) && len(line) > 0 && (line[0] == ' ' || line[0] == '\t')
		if !isTrace(line) && !folded {
			return b
		}
		b = rest
	}
}

func isTrace(line []byte) bool {
	for _, t := range trace {
		if bytes.HasPrefix(line, t) {
			return true
		}
	}
	return false
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
