// Package shots renders pages in headless Chromium (chromedp): screenshots
// of a digest email at the widths mail clients show it (600 px on a
// desktop, 375 px on a phone) in the light and the dark colour scheme, of
// its web version, and the measurements a browser test asserts on (the
// page's width against the viewport, the lowest contrast of any text
// against its background, the smallest text) from computed styles.
package shots

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Chromium is where Debian's chromium package puts the browser.
const Chromium = "/usr/bin/chromium"

// A View is one way of looking at a page.
type View struct {
	Width int64
	Dark  bool // prefers-color-scheme: dark
}

func (v View) String() string {
	scheme := "light"
	if v.Dark {
		scheme = "dark"
	}
	return fmt.Sprintf("%dpx-%s", v.Width, scheme)
}

// EmailViews are the four views of an email the screenshots show.
var EmailViews = []View{{600, false}, {600, true}, {375, false}, {375, true}}

// Metrics are what a view of a page measures.
type Metrics struct {
	ScrollWidth  int     `json:"scroll"` // the document's width
	ClientWidth  int     `json:"client"` // the viewport's
	MinContrast  float64 `json:"min"`    // WCAG contrast ratio of the worst text
	Worst        string  `json:"worst"`  // that text, its colour and background
	MinFontPx    float64 `json:"font"`   // the smallest computed font size of any text
	SmallestText string  `json:"small"`
}

// Browser is one headless Chromium.
type Browser struct {
	ctx    context.Context
	cancel func()
	dir    string
}

// Start runs Chromium at path with a profile in dir.
func Start(path, dir string) (*Browser, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("shots: chromium: %w (install Debian's chromium package)", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(dir, "chromium")),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		return nil, fmt.Errorf("shots: start chromium: %w", err)
	}
	return &Browser{ctx: ctx, cancel: func() { cancelCtx(); cancelAlloc() }, dir: dir}, nil
}

// Close stops the browser.
func (b *Browser) Close() { b.cancel() }

// open loads html (written to a file in the browser's dir) in view v.
func (b *Browser) open(ctx context.Context, html []byte, v View) error {
	page := filepath.Join(b.dir, "page.html")
	if err := os.WriteFile(page, html, 0o644); err != nil {
		return fmt.Errorf("shots: %w", err)
	}
	scheme := "light"
	if v.Dark {
		scheme = "dark"
	}
	media := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(v.Width, 900),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, media)
			return err
		}),
		chromedp.Navigate("file://"+page),
	)
	if err != nil {
		return fmt.Errorf("shots: open %s: %w", v, err)
	}
	return nil
}

// Measure loads html in view v and measures it.
func (b *Browser) Measure(html []byte, v View) (Metrics, error) {
	if err := b.open(b.ctx, html, v); err != nil {
		return Metrics{}, err
	}
	m, err := chromedp.Run(b.ctx, chromedp.Evaluate[Metrics](measureJS))
	if err != nil {
		return m, fmt.Errorf("shots: measure %s: %w", v, err)
	}
	return m, nil
}

// Screenshot loads html in view v and returns a PNG of the whole page.
func (b *Browser) Screenshot(html []byte, v View) ([]byte, error) {
	if err := b.open(b.ctx, html, v); err != nil {
		return nil, err
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return nil, fmt.Errorf("shots: screenshot %s: %w", v, err)
	}
	return png, nil
}

// Write writes the email's four views and the web version's page (at 375
// and 1024 px, light) as PNGs into dir and returns their paths.
func Write(chromium, dir string, email, web []byte) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("shots: %w", err)
	}
	tmp, err := os.MkdirTemp("", "herald-shots-")
	if err != nil {
		return nil, fmt.Errorf("shots: %w", err)
	}
	defer os.RemoveAll(tmp)
	b, err := Start(chromium, tmp)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	var paths []string
	shoot := func(name string, html []byte, v View) error {
		png, err := b.Screenshot(html, v)
		if err != nil {
			return err
		}
		p := filepath.Join(dir, name+"-"+v.String()+".png")
		paths = append(paths, p)
		return os.WriteFile(p, png, 0o644)
	}
	for _, v := range EmailViews {
		if err := shoot("digest", email, v); err != nil {
			return paths, err
		}
	}
	if web == nil {
		return paths, errors.New("shots: no web version page")
	}
	for _, v := range []View{{375, false}, {1024, false}} {
		if err := shoot("web-version", web, v); err != nil {
			return paths, err
		}
	}
	return paths, nil
}

// measureJS walks every text node: the contrast of its colour against the
// first opaque background up its ancestors (WCAG 2 relative luminance),
// its font size, and the page's width against the viewport's.
const measureJS = `(() => {
  const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(',').map(s => parseFloat(s)); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const bg = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  let min = 99, worst = '', font = 99, small = '';
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (w.nextNode()) {
    const n = w.currentNode, text = n.textContent.trim();
    if (!text) continue;
    const el = n.parentElement, cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    const fg = parse(cs.color), b = bg(el), l1 = lum(fg), l2 = lum(b);
    const r = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (r < min) { min = r; worst = text.slice(0, 60) + ': ' + cs.color + ' on ' + JSON.stringify(b); }
    const px = parseFloat(cs.fontSize);
    if (px < font) { font = px; small = text.slice(0, 60); }
  }
  const d = document.documentElement;
  return {scroll: d.scrollWidth, client: d.clientWidth, min: min, worst: worst, font: font, small: small};
})()`
