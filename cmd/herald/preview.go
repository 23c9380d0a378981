package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"herald/app"
	"herald/channels/email"
	"herald/digest"
	"herald/subscribers"
)

func cmdPreview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := newFlags("preview", stderr)
	format := fs.String("format", "", "html, text, eml (email) or slack (JSON); default text for readers, slack for teams")
	outPath := fs.String("o", "", "write to this file instead of standard output")
	if err := parse(fs, cfg, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: herald preview [--format html|text|eml|slack] [-o FILE] SUBSCRIBER_ID|EMAIL")
	}
	if cfg.Secret == "" {
		cfg.Secret = "preview-only" // links in a preview are for looking at, not clicking
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	msg, d, err := a.Preview(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	w := stdout
	if *outPath != "" {
		f, err := os.Create(*outPath)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if len(d.Items) == 0 {
		fmt.Fprintf(stderr, "no new stories for %s since %s: nothing would be sent now\n", d.Subscriber.ID, d.Window.Start.Format("2006-01-02 15:04 MST"))
	}
	return writePreview(w, a, msg, *format)
}

func writePreview(w io.Writer, a *app.App, msg *digest.Message, format string) error {
	if format == "" {
		format = "text"
		if msg.Kind == subscribers.KindSlack {
			format = "slack"
		}
	}
	switch {
	case format == "slack" && msg.Kind == subscribers.KindSlack:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(msg.Payloads)
	case msg.Kind != subscribers.KindEmail:
		return fmt.Errorf("format %q is for email subscribers; use --format slack", format)
	case format == "html":
		_, err := w.Write(msg.Email.HTML)
		return err
	case format == "text":
		_, err := fmt.Fprintf(w, "Subject: %s\n\n%s", msg.Email.Subject, msg.Email.Text)
		return err
	case format == "eml":
		from, host := a.Sender()
		return email.WriteMessage(w, msg, from, host)
	}
	return fmt.Errorf("unknown format %q (html, text, eml, slack)", format)
}
