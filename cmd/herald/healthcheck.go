package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"herald/app"
)

func newHealthcheckCmd(cfg *app.Config) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 when the local herald serve answers 200 (a container health check)",
		Long: `GET a path of the herald serve listening on HERALD_HTTP_ADDR (an unspecified
address such as 0.0.0.0 is asked on loopback) and exit 0 on a 200, 2
otherwise. It needs no shell or curl, so it runs in a distroless image.`,
		Example: `  herald healthcheck                 # /healthz: the process is up
  herald healthcheck --path /readyz  # Redis is reachable too`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return healthcheck(cmd.Context(), cfg.HTTPAddr, path, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&path, "path", "/healthz", "the path to ask")
	return cmd
}

func healthcheck(ctx context.Context, addr, path string, out io.Writer) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("HERALD_HTTP_ADDR %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, res.Status)
	}
	fmt.Fprintln(out, "ok:", url)
	return nil
}
