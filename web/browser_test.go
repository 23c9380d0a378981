package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"herald/internal/keyring"
	"herald/internal/logbuf"
	"herald/internal/redistest"
	"herald/stories"
	"herald/subscribers"
)

const chromiumPath = "/usr/bin/chromium"

// TestBrowserPreferences drives the preferences page of a real `herald
// serve` with headless Chromium: untick a topic, tick another, change the
// time zone, save; the stored subscriber changes accordingly. A screenshot
// of the saved page lands in the test's temp dir (and in
// docs/preferences.png with HERALD_UPDATE_SCREENSHOT=1).
//
// Without /usr/bin/chromium the test is skipped, unless
// HERALD_TEST_REQUIRE_BROWSER=1 (CI) makes that a failure.
func TestBrowserPreferences(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("HERALD_TEST_REQUIRE_BROWSER") == "1" {
			t.Fatalf("%s not found and HERALD_TEST_REQUIRE_BROWSER=1: install Debian's chromium package", chromiumPath)
		}
		t.Skipf("%s not found (install chromium, or set HERALD_TEST_REQUIRE_BROWSER=1 to fail instead)", chromiumPath)
	}
	if testing.Short() {
		t.Skip("builds and runs herald and a browser")
	}
	tmp := t.TempDir()
	bin := buildHerald(t, tmp)
	rdb, prefix := redistest.Client(t)
	now := time.Now()
	st := stories.NewStore(rdb, prefix, stories.Options{})
	subs := subscribers.NewStore(rdb, prefix, nil)
	seedBrowserData(t, st, subs)

	const secret = "browser-test-secret-0123456789abcdef"
	base := startHerald(t, bin, tmp, map[string]string{
		"HERALD_REDIS_URL":    redistest.URL(t),
		"HERALD_REDIS_PREFIX": prefix,
		"HERALD_SECRET":       secret,
		"HERALD_API_TOKEN":    "browser-test-token-0123456789",
		"HERALD_OUTBOX":       filepath.Join(tmp, "outbox"),
	})
	reader, err := subs.Get(context.Background(), "reader1")
	if err != nil {
		t.Fatal(err)
	}
	link := base + "/p/" + subscribers.SignToken(keyring.New([]byte(secret)), reader, subscribers.ActionPreferences, now.Add(time.Hour))

	png := drivePreferences(t, tmp, link)
	shot := filepath.Join(tmp, "preferences.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
	if os.Getenv("HERALD_UPDATE_SCREENSHOT") == "1" {
		if err := os.WriteFile(filepath.Join("..", "docs", "preferences.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	sub, err := subs.Get(context.Background(), "reader1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sub.Topics, []string{"markets", "south-korea"}) || sub.TimeZone != "Asia/Tokyo" {
		t.Errorf("after saving in the browser: topics %v, zone %q; want [markets south-korea], Asia/Tokyo", sub.Topics, sub.TimeZone)
	}
}

// buildHerald builds the binary from the module root into dir.
func buildHerald(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "herald")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/herald")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/herald: %v\n%s", err, out)
	}
	return bin
}

func seedBrowserData(t *testing.T, st *stories.Store, subs *subscribers.Store) {
	t.Helper()
	ctx := context.Background()
	for i, topics := range [][]string{{"Japan", "South Korea"}, {"Markets", "China"}, {"Climate", "European Union"}} {
		id := "story-" + strconv.Itoa(i)
		ss, err := stories.Parse(bytes.NewReader([]byte(storyJSON(id, topics...))))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Put(ctx, ss[0]); err != nil {
			t.Fatal(err)
		}
	}
	sub := &subscribers.Subscriber{ID: "reader1", Email: "reader@example.com", Name: "Reader One",
		TimeZone: "Europe/London", Schedule: "daily 07:00", Topics: []string{"japan", "south-korea"}}
	if err := subs.Add(ctx, sub); err != nil {
		t.Fatal(err)
	}
}

// startHerald runs `herald serve` on a free port with env and waits until
// /healthz answers. It stops the process when the test ends.
func startHerald(t *testing.T, bin, dir string, env map[string]string) string {
	t.Helper()
	addr := freeAddr(t)
	base := "http://" + addr
	cmd := exec.Command(bin, "serve")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HERALD_HTTP_ADDR="+addr, "HERALD_BASE_URL="+base)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var logs logbuf.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed when the process ends; cmd.ProcessState then set
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("herald serve output:\n%s", logs.String())
		}
	})
	if err := waitHealthy(base, exited, 20*time.Second); err != nil {
		t.Fatalf("herald serve: %v\n%s", err, logs.String())
	}
	return base
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

// waitHealthy polls /healthz until it answers 200, the process exits, or
// limit passes.
func waitHealthy(base string, exited <-chan struct{}, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no healthy answer from %s within %v: %v", base, limit, err)
		}
		select {
		case <-exited:
			return fmt.Errorf("exited early")
		case <-tick.C:
		}
	}
}

// drivePreferences opens link in headless Chromium, changes the form,
// saves, waits for the saved page and returns its screenshot (PNG).
func drivePreferences(t *testing.T, dir, link string) []byte {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(dir, "chromium")),
		chromedp.WindowSize(820, 1200),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	defer cancelBrowser()
	// The first call starts the browser; it must not carry the timeout,
	// which would end the browser with it.
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()

	if err := chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("save")),
	); err != nil {
		t.Fatalf("open the preferences page: %v", err)
	}
	before := checked(ctx, t, "japan")
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`input[name=topic][value="japan"]`)),
		chromedp.Click(chromedp.CSS(`input[name=topic][value="markets"]`)),
		chromedp.Clear(chromedp.ID("time_zone")),
		chromedp.SendKeys(chromedp.ID("time_zone"), "Asia/Tokyo"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("saved")),
	)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("browser timed out: %v", err)
	}
	if err != nil {
		t.Fatalf("change and save: %v", err)
	}
	if after := checked(ctx, t, "markets"); !before || !after {
		t.Errorf("japan ticked before: %v; markets ticked after saving: %v", before, after)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return png
}

// checked reports whether the topic's checkbox is ticked.
func checked(ctx context.Context, t *testing.T, slug string) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('input[name=topic][value="`+slug+`"]').checked`))
	if err != nil {
		t.Fatalf("read checkbox %s: %v", slug, err)
	}
	return v
}
