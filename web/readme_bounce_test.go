package web

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The README's bounce-credential block (a bearer token, then a report
// signed with openssl) runs as written against a real server.
func TestReadmeBounceCredential(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
	block := readmeBlock(t, "X-Herald-Signature: sha256=$SIG")
	f := newFixture(t, withBounceAuth, func(d *Deps) { d.Now = nil }) // openssl signs with the real clock
	f.addSub(reader("angry", "angry@example.com", "japan"))
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", block)
	cmd.Env = append(os.Environ(), "HERALD="+f.srv.URL, "HERALD_BOUNCE_TOKEN="+testBounceToken, "HERALD_BOUNCE_SECRET="+string(testBounceSecret))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{`{"index":0,"status":"unknown"}`, `{"index":0,"status":"unsubscribed"}`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if s := f.getSub("angry"); s.Status != "unsubscribed" {
		t.Errorf("the signed complaint left the reader %s", s.Status)
	}
}

// readmeBlock is the ```sh block of ../README.md that holds marker.
func readmeBlock(t *testing.T, marker string) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range strings.Split(string(b), "```sh\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		if strings.Contains(block, marker) {
			return block
		}
	}
	t.Fatalf("README has no sh block with %q", marker)
	return ""
}
