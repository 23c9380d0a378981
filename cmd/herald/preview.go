package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/channels/email"
	"herald/digest"
	"herald/subscribers"
)

// previewFlags are the flags of "preview".
type previewFlags struct{ format, output string }

func newPreviewCmd(cfg *app.Config) *cobra.Command {
	var pf previewFlags
	cmd := &cobra.Command{
		Use:   "preview SUBSCRIBER_ID|EMAIL",
		Short: "Show the digest a subscriber would get now",
		Long: `Build and render the digest a reader or team would get if it were
dispatched now. Nothing is claimed, sent or moved.`,
		Example: `  herald preview ana@example.com
  herald preview ana@example.com --format html -o digest.html
  herald preview 7f3a9c2e --format slack`,
		Args: wantArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return preview(cmd.Context(), cfg, pf, args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&pf.format, "format", "", "html, text, eml (email) or slack (JSON); default text for readers, slack for teams")
	cmd.Flags().StringVarP(&pf.output, "output", "o", "", "write to this file instead of standard output")
	return cmd
}

func preview(ctx context.Context, cfg *app.Config, pf previewFlags, who string, stdout, stderr io.Writer) error {
	if cfg.Secret == "" {
		cfg.Secret = "preview-only" // links in a preview are for looking at, not clicking
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	msg, d, err := a.Preview(ctx, who)
	if err != nil {
		return err
	}
	if len(d.Items) == 0 {
		fmt.Fprintf(stderr, "no new stories for %s since %s: nothing would be sent now\n", d.Subscriber.ID, d.Window.Start.Format("2006-01-02 15:04 MST"))
	}
	if pf.output == "" {
		return writePreview(stdout, a, msg, pf.format)
	}
	return writeFile(pf.output, func(w io.Writer) error { return writePreview(w, a, msg, pf.format) })
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
