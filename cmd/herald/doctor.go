package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/channels/email"
	"herald/internal/doctor"
)

func newDoctorCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check DKIM, SPF and DMARC of the From domain, and the SMTP relay",
		Long: `Check what receiving mail servers will check, for the From domain
(HERALD_FROM): that the DKIM record at SELECTOR._domainkey.DOMAIN holds the
public half of HERALD_DKIM_KEY_FILE, that the domain has one SPF record and
a DMARC record, and that the relay of HERALD_SMTP_URL answers, offers and
uses STARTTLS (tls=starttls) and accepts the credentials. No message is
sent. Each check prints a PASS, WARN or FAIL line, and a hint for the last
two. Exit status 1 when a check fails.

DNS goes to the system's resolver, or to HERALD_DNS_SERVER (host:port)
when set: for testing and split DNS.`,
		Example: `  herald doctor
  HERALD_DNS_SERVER=127.0.0.1:5353 herald doctor`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDoctor(cmd.Context(), cfg, cmd.OutOrStdout())
		},
	}
}

func runDoctor(ctx context.Context, cfg *app.Config, out io.Writer) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	d, err := app.LoadDKIM(*cfg)
	if err != nil {
		return err
	}
	r, err := doctor.NewResolver(cfg.DNSServer)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	_, from := cfg.FromAddress()
	domain := domainOf(from)
	fmt.Fprintf(out, "herald doctor: From domain %s\n", domain)
	results := doctor.DKIM(ctx, r, d, domain)
	results = append(results, doctor.SPF(ctx, r, domain), doctor.DMARC(ctx, r, domain))
	results = append(results, relayChecks(ctx, cfg)...)
	for _, res := range results {
		fmt.Fprintln(out, res)
	}
	if n := doctor.Failed(results); n > 0 {
		return partly(fmt.Errorf("doctor: %d of %d checks failed", n, len(results)))
	}
	return nil
}

func relayChecks(ctx context.Context, cfg *app.Config) []doctor.Result {
	ecfg, err := email.ParseURL(cfg.SMTPURL)
	if err != nil {
		return []doctor.Result{{Status: doctor.Fail, Check: "relay", Detail: "HERALD_SMTP_URL: " + err.Error(),
			Hint: "smtp://user:pass@host:port?tls=none|starttls|tls"}}
	}
	helo := ecfg.HeloName
	if helo == "" {
		helo, _ = os.Hostname()
	}
	return doctor.Relay(ctx, ecfg, helo)
}

func domainOf(addr string) string {
	return addr[strings.LastIndexByte(addr, '@')+1:]
}
