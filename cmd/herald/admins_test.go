package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// herald admins add stores an operator from --password-file, sets a new
// password on a second run, and refuses bad input naming the field, with
// exit status 2.
func TestAdminsAdd(t *testing.T) {
	base := redisFlags(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, short := write("good", "a long console password\n"), write("short", "short\n")
	add := func(email, file string) (string, error) {
		return runCLI(t, append([]string{"admins", "add", email, "--password-file", file}, base...)...)
	}
	if out, err := add("editor@example.com", good); err != nil || !strings.Contains(out, "added operator editor@example.com: sign in at ") {
		t.Fatalf("first add: %v\n%s", err, out)
	}
	if out, err := add("editor@example.com", good); err != nil || !strings.Contains(out, "set a new password for operator editor@example.com") {
		t.Fatalf("second add: %v\n%s", err, out)
	}
	for _, tc := range []struct{ email, file, want string }{
		{"editor@example.com", short, "password"},
		{"not an address", good, "email"},
		{"editor@example.com", filepath.Join(dir, "missing"), "--password-file"},
	} {
		out, err := add(tc.email, tc.file)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("add %q %s: %v (exit %d), want an error naming %s\n%s", tc.email, filepath.Base(tc.file), err, exitCode(err), tc.want, out)
		}
	}
}

// herald admins list shows the operators; herald admins remove deletes
// one (ending their sessions), and removing one not there is exit 2.
func TestAdminsListAndRemove(t *testing.T) {
	base := redisFlags(t)
	file := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(file, []byte("a long console password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"editor@example.com", "desk@example.com"} {
		if out, err := runCLI(t, append([]string{"admins", "add", email, "--password-file", file}, base...)...); err != nil {
			t.Fatalf("add %s: %v\n%s", email, err, out)
		}
	}
	out, err := runCLI(t, append([]string{"admins", "list"}, base...)...)
	if err != nil || !strings.Contains(out, "EMAIL") || strings.Index(out, "desk@example.com") > strings.Index(out, "editor@example.com") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if out, err := runCLI(t, append([]string{"admins", "remove", "editor@example.com"}, base...)...); err != nil || !strings.Contains(out, "removed operator editor@example.com") {
		t.Fatalf("remove: %v\n%s", err, out)
	}
	if out, _ := runCLI(t, append([]string{"admins", "list"}, base...)...); strings.Contains(out, "editor@example.com") || !strings.Contains(out, "desk@example.com") {
		t.Errorf("list after remove:\n%s", out)
	}
	out, err = runCLI(t, append([]string{"admins", "remove", "editor@example.com"}, base...)...)
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "no such operator") {
		t.Errorf("second remove: %v (exit %d), want exit 2, no such operator\n%s", err, exitCode(err), out)
	}
}
