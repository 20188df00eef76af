package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/llavero/llavero/internal/sampleoffice"
)

// sampleSecretEnv names the client secret's environment variable: the
// secret is never a flag value, where ps and shell history would see it.
const sampleSecretEnv = "LLAVERO_SAMPLE_CLIENT_SECRET"

// sampleOfficeCmd runs the sample electronic office, a relying party that
// logs people in through llavero.
func (a *app) sampleOfficeCmd() *cobra.Command {
	var issuer, clientID, secretFile, listen, publicURL, officeID string
	cmd := &cobra.Command{
		Use:   "sample-office",
		Short: "Run a sample electronic office (traffic, tax or social security) that logs people in through llavero",
		Long: `Run "` + sampleoffice.Name + `", a small relying party that logs
people in through llavero with OpenID Connect (authorization code flow,
PKCE S256, acr_values per procedure) and shows who logged in and at which
level. --office picks one of the catalogue (traffic by default):

  traffic            points balance (low), pay a fine (low), licence
                     exchange (substantial, and a signature)
  tax                income tax return (substantial), quarterly VAT return
                     (substantial, and a signature with the certificate)
  social-security    contribution history (substantial)

The samples stop before a signature. "llavero serve --demo" runs all three
beside llavero, registered and ready.

First register it with llavero. Both redirect URIs are needed: PUBLIC/callback
receives the sign-in, and PUBLIC/ is where llavero's logout sends the browser
back. Run it without --client-id to print the exact command.

The client secret comes from --client-secret-file or the environment variable
` + sampleSecretEnv + `; a client registered with --public needs none.

Sessions are kept in memory, in a cookie the office sets (HttpOnly,
SameSite=Lax): restarting the office logs everyone out of it. The results are
made up.`,
		Example: `  llavero serve &
  llavero sample-office       # prints the "llavero admin client add …" line; run it
  LLAVERO_SAMPLE_CLIENT_SECRET=<client_secret> llavero sample-office --client-id <client_id>
  # then open http://127.0.0.1:9090`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kind, ok := sampleoffice.Lookup(officeID)
			if !ok {
				return fmt.Errorf("--office %q: use one of %s", officeID, strings.Join(sampleoffice.IDs(), ", "))
			}
			if !cmd.Flags().Changed("listen") {
				listen = fmt.Sprintf("127.0.0.1:%d", kind.Port)
			}
			publicURL = strings.TrimRight(publicURL, "/")
			if publicURL == "" {
				publicURL = "http://" + listen
			}
			if clientID == "" {
				fmt.Fprintf(a.stderr, "The sample office is not registered with llavero yet. Register it with:\n\n")
				fmt.Fprintln(a.stdout, kind.RegisterCommand(publicURL))
				fmt.Fprintf(a.stderr, "\nthen start it with the client_id and client_secret that command prints:\n\n  %s=<client_secret> llavero sample-office --issuer %s --client-id <client_id>", sampleSecretEnv, issuer)
				if kind.ID != sampleoffice.Traffic.ID {
					fmt.Fprintf(a.stderr, " --office %s", kind.ID)
				}
				if publicURL != "http://"+listen {
					fmt.Fprintf(a.stderr, " --public-url %s", publicURL)
				}
				fmt.Fprintln(a.stderr)
				return nil
			}
			secret := os.Getenv(sampleSecretEnv)
			if secretFile != "" {
				b, err := os.ReadFile(secretFile)
				if err != nil {
					return fmt.Errorf("--client-secret-file: %w", err)
				}
				secret = strings.TrimSpace(string(b))
			}
			graceful.Store(true)
			ctx := cmd.Context()
			office, err := sampleoffice.New(ctx, sampleoffice.Config{Issuer: issuer, ClientID: clientID, ClientSecret: secret,
				Office: kind, PublicURL: publicURL, Log: slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
			if err != nil {
				return fmt.Errorf("%w\n  is llavero running at %s? Start it with \"llavero serve\", or pass --issuer", err, issuer)
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("--listen %s: %w", listen, err)
			}
			srv := &http.Server{Handler: office.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
				WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
			done := make(chan error, 1)
			go func() { done <- srv.Serve(ln) }()
			fmt.Fprintf(a.stdout, "%s is running: %s\n  logs in through llavero at %s as client %s\n  stop with Ctrl-C\n",
				kind.Name.In(a.lang()), publicURL, issuer, clientID)
			select {
			case err := <-done:
				return err
			case <-ctx.Done():
			}
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&issuer, "issuer", "http://127.0.0.1:8080", "llavero's URL (its OpenID Connect issuer, the --public-url of llavero serve)")
	f.StringVar(&clientID, "client-id", "", "the client_id from \"llavero admin client add\" (without it, print that command)")
	f.StringVar(&secretFile, "client-secret-file", "", "a file holding the client_secret (or set "+sampleSecretEnv+")")
	f.StringVar(&listen, "listen", "127.0.0.1:9090", "address the office listens on (default: the office's own port, 9090, 9091 or 9092)")
	f.StringVar(&officeID, "office", sampleoffice.Traffic.ID, "which sample office: "+strings.Join(sampleoffice.IDs(), ", "))
	f.StringVar(&publicURL, "public-url", "", "URL browsers reach the office at (default: http://LISTEN)")
	return cmd
}
