package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A rejected CSV row exits 1, named by file, line and field, once each;
// the valid rows are stored. Nothing stored exits 2.
func TestSubscribersImportRejectedRow(t *testing.T) {
	base := redisFlags(t)
	file := writeTemp(t, "readers.csv", "email,name,time_zone\nok@example.com,Ok,UTC\nbad@example.com,Bad,Mars/Olympus\n")
	out, err := runCLI(t, append([]string{"subscribers", "import", file}, base...)...)
	if exitCode(err) != 1 {
		t.Errorf("exit %d (%v), want 1\n%s", exitCode(err), err, out)
	}
	if !strings.Contains(out, file+": line 3: time_zone: ") || strings.Count(out, "time_zone") != 1 || strings.Contains(out, "subscribers: time_zone") {
		t.Errorf("rejection not named once by file, line and field:\n%s", out)
	}
	if list, _ := runCLI(t, append([]string{"subscribers", "list"}, base...)...); !strings.Contains(list, "ok@example.com") {
		t.Errorf("the valid row was not stored:\n%s", list)
	}
	bad := writeTemp(t, "bad.csv", "email\nnot-an-address\n")
	if out, err := runCLI(t, append([]string{"subscribers", "import", bad}, base...)...); exitCode(err) != 2 || !strings.Contains(out, "line 2: email: ") {
		t.Errorf("all rejected: exit %d (%v), want 2\n%s", exitCode(err), err, out)
	}
}

// A rejected story item exits 1, named by file, item index and field; the
// valid items are stored. A 5 MB item names its largest field and does
// not stop the file.
func TestStoriesImportRejectedItem(t *testing.T) {
	base := redisFlags(t)
	story := func(id, extra string) string {
		return `{"id":"` + id + `","url":"https://news.example.com/` + id + `","headline":"H ` + id + `","summary":"S.",` +
			extra + `"topics":[{"name":"Japan"}],"published_at":"2026-11-28T08:00:00Z"}`
	}
	file := writeTemp(t, "batch.json", "["+story("ok-1", "")+","+story("no-url", `"url":"ftp://x",`)+","+
		story("huge", `"background":"`+strings.Repeat("a", 5<<20)+`",`)+","+story("ok-2", "")+"]")
	out, err := runCLI(t, append([]string{"stories", "import", file}, base...)...)
	if exitCode(err) != 1 {
		t.Errorf("exit %d (%v), want 1\n%s", exitCode(err), err, out)
	}
	for _, want := range []string{file + ": item 2: background: story is ", "2 new, 0 updated, 2 rejected"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%.2000s", want, out)
		}
	}
	if !strings.Contains(out, file+": item 1: ") || strings.Contains(out, "stories: url") {
		t.Errorf("item 1 not named once with its field:\n%.2000s", out)
	}
	if got, err := runCLI(t, append([]string{"stories", "get", "ok-2"}, base...)...); err != nil {
		t.Errorf("the item after the rejected ones was not stored: %v\n%s", err, got)
	}
	bad := writeTemp(t, "bad.json", story("bad", `"headline":"",`))
	if out, err := runCLI(t, append([]string{"stories", "import", bad}, base...)...); exitCode(err) != 2 {
		t.Errorf("all rejected: exit %d (%v), want 2\n%s", exitCode(err), err, out)
	}
}
