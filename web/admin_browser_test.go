package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"herald/internal/redistest"
	"herald/stories"
	"herald/subscribers"
)

// TestBrowserConsole drives the console of a real `herald serve` in
// headless Chromium: a page opened without a session lands on the login;
// five wrong passwords lock an account; sign in, search a subscriber,
// pause and resume them, edit a topic's description, see where a topic's
// stories went, filter the log; a form without its
// CSRF token and one posted from another origin are refused; sign out.
// Screenshots of the dashboard and the subscriber page land in the test's
// temp dir.
func TestBrowserConsole(t *testing.T) {
	needBrowser(t)
	tmp := t.TempDir()
	bin := buildHerald(t, tmp)
	rdb, prefix := redistest.Client(t)
	seedBrowserData(t, stories.NewStore(rdb, prefix, stories.Options{}), subscribers.NewStore(rdb, prefix, nil))
	env := map[string]string{"HERALD_REDIS_URL": redistest.URL(t), "HERALD_REDIS_PREFIX": prefix,
		"HERALD_SECRET": "browser-test-secret-0123456789abcdef", "HERALD_OUTBOX": filepath.Join(tmp, "outbox")}
	addOperator(t, bin, tmp, env, testOperator, testPassword)
	addOperator(t, bin, tmp, env, "locked@example.com", testPassword)
	base := startHerald(t, bin, tmp, env)
	subs := subscribers.NewStore(rdb, prefix, nil)
	ctx := newChromium(t, tmp)

	run(t, ctx, "open without a session", chromedp.Navigate(base+"/admin/subscribers"), chromedp.WaitVisible(chromedp.ID("signin")))
	if u := location(t, ctx); u != base+"/admin/login" {
		t.Errorf("without a session: at %s, want the login page", u)
	}
	for i := range 5 {
		signIn(t, ctx, base, "locked@example.com", fmt.Sprintf("wrong password %d", i))
		wantText(t, ctx, "#error", "Wrong email or password")
	}
	signIn(t, ctx, base, "locked@example.com", testPassword)
	wantText(t, ctx, "#error", "Too many failed sign-ins")

	signIn(t, ctx, base, testOperator, testPassword)
	run(t, ctx, "dashboard", chromedp.WaitVisible(chromedp.ID("due")))
	shot(t, ctx, tmp, "console-dashboard.png")
	run(t, ctx, "search", chromedp.Click(chromedp.Search(`//nav/a[text()="Subscribers"]`)), chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), "Reader One"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("search"))); err != nil {
		t.Fatalf("search: %v", err)
	}
	run(t, ctx, "open the result", chromedp.WaitVisible(chromedp.Search(`//a[text()="reader@example.com"]`)), chromedp.Click(chromedp.Search(`//a[text()="reader@example.com"]`)),
		chromedp.WaitVisible(chromedp.ID("pause")))
	shot(t, ctx, tmp, "console-subscriber.png")
	run(t, ctx, "pause", chromedp.Click(chromedp.ID("pause")), chromedp.WaitVisible(chromedp.ID("resume")))
	wantStatus(t, subs, subscribers.StatusPaused)
	run(t, ctx, "resume", chromedp.Click(chromedp.ID("resume")), chromedp.WaitVisible(chromedp.ID("pause")))
	wantStatus(t, subs, subscribers.StatusActive)

	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#pause').form.querySelector('[name=csrf]').remove(), true`)); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "post without the token",
		chromedp.Click(chromedp.ID("pause")), chromedp.WaitVisible(chromedp.Search(`//h1[text()="Form refused"]`)))
	wantStatus(t, subs, subscribers.StatusActive)
	postFromElsewhere(t, ctx, base)
	wantStatus(t, subs, subscribers.StatusActive)

	run(t, ctx, "edit a topic", chromedp.Navigate(base+"/admin/topics"), chromedp.WaitVisible(chromedp.ID("desc-japan")),
		chromedp.SetValue(chromedp.ID("desc-japan"), "Politics, trade and the yen"), chromedp.Click(chromedp.ID("save-japan")),
		chromedp.WaitVisible(chromedp.ID("notice")))
	if tp, err := stories.NewStore(rdb, prefix, stories.Options{}).Topic(context.Background(), "japan"); err != nil || tp.Description != "Politics, trade and the yen" {
		t.Errorf("topic after saving: %+v %v", tp, err)
	}
	topicReach(t, ctx, base, stories.NewStore(rdb, prefix, stories.Options{}), tmp)
	run(t, ctx, "filter the log", chromedp.Click(chromedp.Search(`//nav/a[text()="Deliveries"]`)), chromedp.WaitVisible(chromedp.ID("filter")),
		chromedp.SetValue(chromedp.ID("result"), "sent"), chromedp.SendKeys(chromedp.ID("subscriber"), "reader@example.com"),
		chromedp.Click(chromedp.ID("filter")), chromedp.WaitReady(chromedp.CSS(`#result option[selected]`)))
	if u := location(t, ctx); !strings.Contains(u, "result=sent") || !strings.Contains(u, "subscriber=reader%40example.com") {
		t.Errorf("after filtering: at %s", u)
	}
	run(t, ctx, "sign out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("signin")),
		chromedp.Navigate(base+"/admin/"), chromedp.WaitVisible(chromedp.ID("signin")))
}

func needBrowser(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("HERALD_TEST_REQUIRE_BROWSER") == "1" {
			t.Fatalf("%s not found and HERALD_TEST_REQUIRE_BROWSER=1: install Debian's chromium package", chromiumPath)
		}
		t.Skipf("%s not found (install chromium, or set HERALD_TEST_REQUIRE_BROWSER=1 to fail instead)", chromiumPath)
	}
	if testing.Short() {
		t.Skip("builds and runs herald and a browser")
	}
}

// addOperator runs `herald admins add` with the password in a file.
func addOperator(t *testing.T, bin, dir string, env map[string]string, email, password string) {
	t.Helper()
	pw := filepath.Join(dir, "password-"+email)
	if err := os.WriteFile(pw, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "admins", "add", email, "--password-file", pw)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "added operator "+email) {
		t.Fatalf("herald admins add: %v\n%s", err, out)
	}
}

func newChromium(t *testing.T, dir string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(dir, "chromium-console")), chromedp.WindowSize(375, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil { // starts the browser, without the timeout
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	ctx, cancel := context.WithTimeout(browser, 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func run(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

func signIn(t *testing.T, ctx context.Context, base, email, password string) {
	t.Helper()
	run(t, ctx, "sign in as "+email, chromedp.Navigate(base+"/admin/login"), chromedp.WaitVisible(chromedp.ID("signin")),
		chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), password))
	// Wait for the answer's page, not the login page still showing.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("signin"))); err != nil {
		t.Fatalf("sign in as %s: %v", email, err)
	}
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func wantText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil || !strings.Contains(got, want) {
		t.Errorf("%s: %q (%v), want %q", sel, got, err, want)
	}
}

func wantStatus(t *testing.T, subs *subscribers.Store, want subscribers.Status) {
	t.Helper()
	sub, err := subs.Get(context.Background(), "reader1")
	if err != nil || sub.Status != want {
		t.Fatalf("reader1: %v, %v; want %s", sub.Status, err, want)
	}
}

// postFromElsewhere opens a page of another origin whose form posts the
// pause action to the console (with a copy of a real token); the console
// refuses it.
func postFromElsewhere(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	run(t, ctx, "subscriber page", chromedp.Navigate(base+"/admin/subscribers/reader1"), chromedp.WaitVisible(chromedp.ID("pause")))
	token, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`input[name=csrf]`), "value"))
	if err != nil {
		t.Fatal(err)
	}
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<form method="post" action="%s/admin/subscribers/reader1/pause"><input type="hidden" name="csrf" value="%s"><button id="go">Go</button></form>`, base, token.Value)
	}))
	t.Cleanup(evil.Close)
	run(t, ctx, "open another origin", chromedp.Navigate(evil.URL), chromedp.WaitVisible(chromedp.ID("go")))
	run(t, ctx, "post from it", chromedp.Click(chromedp.ID("go")))
	run(t, ctx, "answer", chromedp.WaitVisible(chromedp.Search(`//h1[text()="Form refused"]`)))
}

// shot saves a full-page screenshot into dir (docs/ has those of
// `herald demo --screenshots`).
func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
