package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/server"
)

func (a *app) serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the platform: web pages, API and (in development) the outbox",
		Long: `Run the platform. With no settings it starts a trial installation in
./llavero-data: an embedded SQLite database and an outbox where every email,
SMS and letter lands for you to read ("llavero admin outbox").

For several nodes, point every node at one PostgreSQL database with
--database postgres://…; nodes keep no state of their own.`,
		Example: `  llavero serve
  llavero serve --data /var/lib/llavero --listen 0.0.0.0:8080 --public-url https://id.example.org
  LLAVERO_DATABASE=postgres://llavero@db/llavero llavero serve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.load(cmd); err != nil {
				return err
			}
			graceful.Store(true)
			log := server.NewLogger(&a.cfg)
			ctx := cmd.Context()
			p, err := server.New(ctx, &a.cfg, log, version)
			if err != nil {
				return err
			}
			defer p.Close()
			return p.Serve(ctx, func(addrs server.Addrs) {
				fmt.Fprintf(a.stdout, "llavero is running: %s\n  certificate login and office console: %s/office\n  data: %s\n  database: %s\n  outbox: llavero admin outbox\n  stop with Ctrl-C\n",
					a.cfg.PublicURL, a.cfg.CertLoginURL, a.cfg.Data, p.Store.Dialect())
			})
		},
	}
	config.RegisterServe(cmd.Flags(), &a.cfg)
	return cmd
}
