package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"herald/channels/outbox"
	"herald/digest"
	"herald/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

// The demo's files are valid RFC 5322 messages and Slack payloads, one per
// row of its table.
func TestDemoWritesValidMessages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	out, err := runCLI(t, "demo", "--out", dir)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var emails, slack int
	for _, f := range files {
		if !strings.Contains(out, f.Name()) {
			t.Errorf("%s is not in the demo's table", f.Name())
		}
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(f.Name()) {
		case ".eml":
			emails++
			checkEML(t, f.Name(), b)
		case ".json":
			slack++
			var payloads []map[string]any
			if err := json.Unmarshal(b, &payloads); err != nil || len(payloads) == 0 || payloads[0]["blocks"] == nil {
				t.Errorf("%s: not Slack payloads (%v)", f.Name(), err)
			}
		}
	}
	if emails < 6 || slack < 2 {
		t.Errorf("%d emails and %d Slack files; want the readers and both teams", emails, slack)
	}
	if !strings.Contains(out, "sent ") || !strings.Contains(out, dir) {
		t.Errorf("demo output does not say where messages went:\n%s", out)
	}
}

func checkEML(t *testing.T, name string, b []byte) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Errorf("%s: not an RFC 5322 message: %v", name, err)
		return
	}
	for _, h := range []string{"From", "To", "Subject", "Date", "Message-Id", "List-Unsubscribe", "List-Unsubscribe-Post"} {
		if m.Header.Get(h) == "" {
			t.Errorf("%s: no %s header", name, h)
		}
	}
	if _, err := m.Header.AddressList("To"); err != nil {
		t.Errorf("%s: To: %v", name, err)
	}
	if _, err := m.Header.Date(); err != nil {
		t.Errorf("%s: Date: %v", name, err)
	}
	if mt, _, err := mime.ParseMediaType(m.Header.Get("Content-Type")); err != nil || mt != "multipart/alternative" {
		t.Errorf("%s: Content-Type %q", name, m.Header.Get("Content-Type"))
	}
}

// The outbox viewer serves each email's HTML part and refuses paths
// outside the folder.
func TestOutboxViewer(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	if out, err := runCLI(t, "demo", "--out", dir); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	srv := httptest.NewServer(outbox.Viewer(dir))
	defer srv.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	for _, tc := range []struct {
		name, path string
		code       int
		want       string
	}{
		{"index", "/", 200, "Herald outbox"},
		{"html part", "/m/" + filepath.Base(files[0]), 200, "<table"},
		{"text part", "/m/" + filepath.Base(files[0]) + "?part=text", 200, "Unsubscribe"},
		{"traversal", "/m/..%2f..%2fetc%2fpasswd", 404, ""},
		{"missing", "/m/nope.eml", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var body bytes.Buffer
			_, _ = body.ReadFrom(res.Body)
			if res.StatusCode != tc.code || !strings.Contains(body.String(), tc.want) {
				t.Errorf("GET %s: %d, want %d containing %q", tc.path, res.StatusCode, tc.code, tc.want)
			}
		})
	}
}

func TestUnreachableRedisIsOneLine(t *testing.T) {
	_, err := runCLI(t, "stories", "topics", "--redis-url", "redis://127.0.0.1:1/0")
	if err == nil {
		t.Fatal("no error for an unreachable Redis")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "cannot reach Redis at 127.0.0.1:1") || !strings.Contains(msg, "HERALD_REDIS_URL") {
		t.Errorf("error %q: want one line naming the address and the setting", msg)
	}
}

func TestStoriesImportIsIdempotent(t *testing.T) {
	url := "redis://" + redistest.Addr(t) + "/0"
	_, prefix := redistest.Client(t)
	file := filepath.Join(t.TempDir(), "one.json")
	story := `{"id":"cli-1","url":"https://news.example.com/cli-1","headline":"CLI story","summary":"S.","topics":[{"name":"Japan"}],"published_at":"2026-11-28T08:00:00Z"}`
	if err := os.WriteFile(file, []byte(story), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"stories", "import", "--redis-url", url, "--redis-prefix", prefix, file}
	out, err := runCLI(t, args...)
	if err != nil || !strings.Contains(out, "1 new, 0 updated, 0 rejected") {
		t.Fatalf("first import: %v\n%s", err, out)
	}
	out, err = runCLI(t, args...)
	if err != nil || !strings.Contains(out, "0 new, 1 updated, 0 rejected") {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	_ = os.WriteFile(bad, []byte(`[{"id":"cli-2","url":"https://x.example/","summary":"S.","topics":[{"name":"Japan"}],"published_at":"2026-11-28T08:00:00Z"}]`), 0o600)
	out, err = runCLI(t, "stories", "import", "--redis-url", url, "--redis-prefix", prefix, bad)
	if err == nil || !strings.Contains(out, "headline") {
		t.Fatalf("bad import: %v\n%s", err, out)
	}
}

func TestSubscribersCLI(t *testing.T) {
	url := "redis://" + redistest.Addr(t) + "/0"
	_, prefix := redistest.Client(t)
	base := []string{"--redis-url", url, "--redis-prefix", prefix}
	cli := func(args ...string) (string, error) {
		return runCLI(t, append(append(args[:2:2], base...), args[2:]...)...)
	}
	if out, err := cli("subscribers", "add", "--email", "cli@example.com", "--tz", "Asia/Kathmandu", "--schedule", "daily 07:00", "--topics", "Japan,South Korea"); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	if _, err := cli("subscribers", "add", "--email", "bad@example.com", "--tz", "Mars/Olympus"); err == nil || !strings.Contains(err.Error(), "time_zone") {
		t.Errorf("bad zone: %v", err)
	}
	if _, err := cli("subscribers", "add", "--email", "bad@example.com", "--schedule", "CRON_TZ=UTC 0 7 * * *"); err == nil || !strings.Contains(err.Error(), "schedule") {
		t.Errorf("bad schedule: %v", err)
	}
	if out, err := cli("subscribers", "follow", "cli@example.com", "united-states"); err != nil || !strings.Contains(out, "japan, south-korea, united-states") {
		t.Errorf("follow: %v\n%s", err, out)
	}
	if out, err := cli("subscribers", "unfollow", "cli@example.com", "japan"); err != nil || strings.Contains(out, "japan,") {
		t.Errorf("unfollow: %v\n%s", err, out)
	}
	out, err := cli("subscribers", "list")
	if err != nil || !strings.Contains(out, "cli@example.com") || !strings.Contains(out, "+0545") || strings.Contains(out, "bad@example.com") {
		t.Errorf("list: %v\n%s", err, out)
	}
	if _, err := cli("subscribers", "remove", "cli@example.com"); err != nil {
		t.Errorf("remove: %v", err)
	}
	if out, _ := cli("subscribers", "list"); strings.Contains(out, "cli@example.com") {
		t.Errorf("still listed after remove:\n%s", out)
	}
}

// Teams: a webhook URL is a secret and is never printed back in full.
func TestTeamsCLI(t *testing.T) {
	url := "redis://" + redistest.Addr(t) + "/0"
	_, prefix := redistest.Client(t)
	base := []string{"--redis-url", url, "--redis-prefix", prefix}
	cli := func(args ...string) (string, error) {
		return runCLI(t, append(append(args[:2:2], base...), args[2:]...)...)
	}
	hook := filepath.Join(t.TempDir(), "hook")
	const secretPath = "/services/T000/B000/XXXXSECRETXXXX"
	if err := os.WriteFile(hook, []byte("https://hooks.slack.com"+secretPath+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := cli("teams", "add", "--webhook-url-file", hook, "--name", "Desk", "--schedule", "instant", "--topics", "japan")
	if err != nil || strings.Contains(out, "SECRET") {
		t.Fatalf("add webhook team: %v\n%s", err, out)
	}
	if out, err := cli("teams", "add", "--channel", "C0DESK001", "--tz", "Asia/Tokyo", "--schedule", "weekly mon 09:00", "--topics", "china"); err != nil {
		t.Fatalf("add channel team: %v\n%s", err, out)
	}
	if _, err := cli("teams", "add", "--channel", "#general"); err == nil || !strings.Contains(err.Error(), "slack_channel") {
		t.Errorf("bad channel id accepted: %v", err)
	}
	out, err = cli("teams", "list")
	if err != nil || !strings.Contains(out, "slack:C0DESK001") || !strings.Contains(out, "hooks.slack.com/…") || strings.Contains(out, "SECRET") {
		t.Errorf("list: %v\n%s", err, out)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	if out, err := cli("teams", "follow", id, "south-korea"); err != nil || !strings.Contains(out, "south-korea") {
		t.Errorf("follow: %v\n%s", err, out)
	}
}

func TestDeliveriesAndStatus(t *testing.T) {
	url := "redis://" + redistest.Addr(t) + "/0"
	rdb, prefix := redistest.Client(t)
	log := digest.NewRedisLog(rdb, prefix, 0, 0)
	now := time.Now()
	for i, res := range []string{"sent", "permanent", "sent", "temporary"} {
		err := log.Record(context.Background(), digest.Delivery{SubscriberID: fmt.Sprintf("sub%d", i), MessageID: fmt.Sprintf("m%d", i),
			Channel: "email", Result: res, Attempt: 1, Error: map[bool]string{true: "550 no such user"}[res == "permanent"], At: now})
		if err != nil {
			t.Fatal(err)
		}
	}
	base := []string{"--redis-url", url, "--redis-prefix", prefix}
	out, err := runCLI(t, append([]string{"deliveries", "--failed"}, base...)...)
	if err != nil || !strings.Contains(out, "sub1") || !strings.Contains(out, "550 no such user") || !strings.Contains(out, "sub3") || strings.Contains(out, "sub0") {
		t.Errorf("deliveries --failed: %v\n%s", err, out)
	}
	out, err = runCLI(t, append([]string{"deliveries", "--subscriber", "sub2"}, base...)...)
	if err != nil || !strings.Contains(out, "sub2") || strings.Contains(out, "sub1") {
		t.Errorf("deliveries --subscriber: %v\n%s", err, out)
	}
	out, err = runCLI(t, append([]string{"status"}, base...)...)
	if err != nil || !regexp.MustCompile(`email\s+2\s+0\s+1\s+0\s+1`).MatchString(out) || !strings.Contains(out, "due now:        0") {
		t.Errorf("status: %v\n%s", err, out)
	}
}

func TestMigrateCommand(t *testing.T) {
	url := "redis://" + redistest.Addr(t) + "/0"
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	for _, c := range [][]any{
		{"HSET", prefix + "sub:{a1}", "id", "a1", "kind", "email", "email", "ann@example.com", "name", "",
			"time_zone", "UTC", "schedule", "daily 07:00", "status", "active", "created_at", "1764316800000",
			"cursor", "1764316800000", "next_due", "1764399600000"},
		{"SADD", prefix + "sub:{a1}:topics", "japan"},
		{"ZADD", prefix + "subs:ids", "0", "a1"},
		{"ZADD", prefix + "due", "1764399600000", "a1"},
		{"XADD", prefix + "deliveries", "*", "sub", "a1", "msg", "m1", "channel", "email", "result", "sent", "at", "1764399600000"},
	} {
		if err := rdb.Do(ctx, c...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	base := []string{"--redis-url", url, "--redis-prefix", prefix}
	if out, err := runCLI(t, append([]string{"status"}, base...)...); err == nil || !strings.Contains(err.Error()+out, "herald migrate") {
		t.Errorf("status on a version 1 store: %v\n%s; want a pointer to herald migrate", err, out)
	}
	for _, want := range []string{"migrated 1 subscribers, 0 suppressions, 1 topic counts, 1 delivery log entries", "migrated 0 subscribers"} {
		out, err := runCLI(t, append([]string{"migrate"}, base...)...)
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("migrate: %v\n%s; want %q", err, out, want)
		}
	}
	out, err := runCLI(t, append([]string{"deliveries", "--subscriber", "a1"}, base...)...)
	if err != nil || !strings.Contains(out, "m1") {
		t.Errorf("deliveries after migrate: %v\n%s", err, out)
	}
}
