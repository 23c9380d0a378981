package shots

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Cookie is one cookie the browser sends to the pages (a console session).
type Cookie struct{ Name, Value, URL string }

// Page is one served page to screenshot: a URL and the file's name
// (without the view and ".png").
type Page struct{ Name, URL string }

// PageViews are the views of a served page: a phone and a desktop, light.
var PageViews = []View{{375, false}, {1024, false}}

// Pages screenshots each served page in PageViews with cookie set, into
// dir as <name>-<view>.png, and returns the paths.
func Pages(chromium, dir string, cookie Cookie, pages []Page) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("shots: %w", err)
	}
	b, err := Start(chromium, dir)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	if err := b.setCookie(cookie); err != nil {
		return nil, err
	}
	var paths []string
	for _, p := range pages {
		for _, v := range PageViews {
			path := filepath.Join(dir, p.Name+"-"+v.String()+".png")
			if err := b.shootURL(p.URL, v, path); err != nil {
				return paths, err
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}

func (b *Browser) setCookie(c Cookie) error {
	params := network.SetCookieParams{Name: c.Name, Value: c.Value, URL: c.URL}
	err := chromedp.Do(b.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetCookie, params)
		return err
	}))
	if err != nil {
		return fmt.Errorf("shots: set cookie: %w", err)
	}
	return nil
}

func (b *Browser) shootURL(url string, v View, path string) error {
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(v.Width, 900), chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("shots: open %s: %w", url, err)
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("shots: screenshot %s: %w", url, err)
	}
	return os.WriteFile(path, png, 0o644)
}
