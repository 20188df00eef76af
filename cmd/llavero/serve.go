package main

import (
	"fmt"
	"time"

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
--database postgres://…; nodes keep no state of their own.

With --demo it is a first run to explore: a sample registry of fictional
people, two registration offices with an operator each (their .p12 files
in DATA/demo), and the sample traffic, tax and social-security offices
running beside llavero as its relying parties; the outbox is readable at
/dev/outbox. It prints where to go and whom to try. A second start reuses
all of it. A demo stays on SQLite and loopback unless --demo-public.`,
		Example: `  llavero serve --demo
  llavero serve
  llavero serve --data /var/lib/llavero --listen 0.0.0.0:8080 --public-url https://id.example.org
  LLAVERO_DATABASE=postgres://llavero@db/llavero llavero serve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
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
			if a.cfg.Demo.Enabled {
				return a.serveDemo(ctx, p, log, start)
			}
			return p.Serve(ctx, func(addrs server.Addrs) {
				fmt.Fprintf(a.stdout, "llavero is running: %s\n  certificate login and office console: %s/office\n  data: %s\n  database: %s\n  outbox: llavero admin outbox\n  stop with Ctrl-C\n",
					a.cfg.PublicURL, a.cfg.CertLoginURL, a.cfg.Data, p.Store.Dialect())
			})
		},
	}
	config.RegisterServe(cmd.Flags(), &a.cfg)
	return cmd
}
