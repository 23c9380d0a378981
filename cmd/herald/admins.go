package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"herald/app"
)

func newAdminsCmd(cfg *app.Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "admins",
		Short:   "Operators of the web console (/admin)",
		Example: "  herald admins add editor@example.com\n  herald admins list\n  herald admins remove editor@example.com",
		Args:    cobra.ArbitraryArgs,
		RunE:    group,
	}
	cmd.AddCommand(newAdminsAddCmd(cfg), newAdminsListCmd(cfg), newAdminsRemoveCmd(cfg))
	return cmd
}

func newAdminsAddCmd(cfg *app.Config) *cobra.Command {
	var passwordFile string
	cmd := &cobra.Command{
		Use:   "add EMAIL",
		Short: "Create a console operator, or set a new password for one",
		Long: `Create an operator who signs in to the console at /admin with EMAIL and a
password (at least 12 bytes), read from the terminal, or from --password-file
(its first line). The password is stored as a bcrypt hash. Run it again to
set a new password.`,
		Example: "  herald admins add editor@example.com\n  herald admins add editor@example.com --password-file .secrets/console_password",
		Args:    wantArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			password, err := readPassword(passwordFile, cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return withApp(cmd, cfg, func(ctx context.Context, a *app.App) error {
				return addAdmin(ctx, a, args[0], password, cmd.OutOrStdout())
			})
		},
	}
	cmd.Flags().StringVar(&passwordFile, "password-file", "", "read the password from this file's first line instead of the terminal")
	return cmd
}

func addAdmin(ctx context.Context, a *app.App, email, password string, out io.Writer) error {
	created, err := a.Operators.Add(ctx, email, password)
	if err != nil {
		return err
	}
	verb := "added operator"
	if !created {
		verb = "set a new password for operator"
	}
	fmt.Fprintf(out, "%s %s: sign in at %s/admin/login\n", verb, email, consoleBase(a.Cfg))
	return nil
}

// consoleBase is where the console is served, for the message.
func consoleBase(c app.Config) string {
	if c.AdminAddr != "" {
		return "http://" + c.AdminAddr
	}
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	return "http://" + c.HTTPAddr
}

// readPassword reads the password from file's first line or, with no file,
// from the terminal without echo (twice, to catch a typo).
func readPassword(file string, stdin io.Reader, stderr io.Writer) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--password-file: %w", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		return strings.TrimSuffix(line, "\r"), nil
	}
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return readPiped(stdin)
	}
	return promptTwice(int(f.Fd()), stderr)
}

// readPiped reads a password from the first line of a non-terminal stdin.
func readPiped(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("password: none given (type it at the terminal, pipe it on stdin, or use --password-file)")
	}
	return line, nil
}

func promptTwice(fd int, stderr io.Writer) (string, error) {
	fmt.Fprint(stderr, "Password: ")
	p1, err := term.ReadPassword(fd)
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(stderr, "Again: ")
	p2, err := term.ReadPassword(fd)
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(p1) != string(p2) {
		return "", errors.New("password: the two entries differ; nothing stored")
	}
	return string(p1), nil
}
