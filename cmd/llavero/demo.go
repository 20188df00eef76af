package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/llavero/llavero/internal/demo"
	"github.com/llavero/llavero/internal/server"
)

// serveDemo runs the platform as "serve --demo": the sample people,
// offices, operators and electronic offices made (or found again) before
// llavero listens, the sample offices started once it answers, and then
// the summary of where to go and whom to try.
// start is when the command began, for the log's "took".
func (a *app) serveDemo(ctx context.Context, p *server.Platform, log *slog.Logger, start time.Time) error {
	lns, urls, err := demo.Listeners(a.cfg.Demo.OfficesListen, a.cfg.PublicURL)
	if err != nil {
		return err
	}
	closeAll := func() {
		for _, l := range lns {
			l.Close()
		}
	}
	setup, err := demo.Prepare(ctx, demo.Deps{Store: p.Store, RA: p.RA, Issuer: p.CA, Chain: p.CA.Chain()}, a.cfg.Data, urls)
	if err != nil {
		closeAll()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var running *demo.Running
	var startErr error
	serveErr := p.Serve(ctx, func(server.Addrs) {
		// The offices read llavero's discovery document as they start,
		// so they start now that it answers.
		running, startErr = demo.StartOffices(ctx, setup, lns, a.cfg.PublicURL, log.With("part", "sample-office"))
		if startErr != nil {
			cancel()
			return
		}
		u := demo.URLs{Public: a.cfg.PublicURL, CertLogin: a.cfg.CertLoginURL}
		if _, err := setup.WriteReadme(u); err != nil {
			log.Warn("demo: README.txt not written", "err", err)
		}
		if err := setup.WriteSummary(a.stdout, a.lang(), u); err != nil {
			log.Warn("demo: summary not printed", "err", err)
		}
		log.Info("demo ready", "took", time.Since(start).Round(time.Millisecond), "registry_imported", setup.Imported)
	})
	if running != nil {
		sctx, stop := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
		defer stop()
		if err := running.Stop(sctx); err != nil && !errors.Is(err, net.ErrClosed) {
			serveErr = errors.Join(serveErr, err)
		}
	} else if startErr == nil {
		closeAll() // llavero never came up: the offices never took their listeners
	}
	return errors.Join(startErr, serveErr)
}
