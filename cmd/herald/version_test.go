package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionOf(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "herald", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	var out bytes.Buffer
	if err := printVersion(&out, versionOf(bi)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"herald v1.4.0\n", "commit abc123 (modified)\n", "committed 2026-12-01T10:00:00Z\n", "go        go1.26.8\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("version output lacks %q:\n%s", want, out.String())
		}
	}
	commit, buildTime = "def456", "2026-12-02T19:00:00Z"
	t.Cleanup(func() { commit, buildTime = "", "" })
	v := versionOf(bi)
	if v.Commit != "def456" || v.Modified || v.Time != "2026-12-02T19:00:00Z" || v.TimeLabel != "built" {
		t.Errorf("ldflags do not win: %+v", v)
	}
}

// A binary built from a clone as the README says names its commit.
func TestVersionOfBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("clones the repository and builds the binary")
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	clone := filepath.Join(t.TempDir(), "herald")
	if out, err := exec.Command("git", "clone", "-q", strings.TrimSpace(string(top)), clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	head, err := exec.Command("git", "-C", clone, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-buildvcs=true", "-o", "herald", "./cmd/herald")
	build.Dir = clone
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(clone, "herald"), "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "commit "+strings.TrimSpace(string(head))+"\n") {
		t.Errorf("herald version: %v\n%s\nwant commit %s", err, out, head)
	}
}
