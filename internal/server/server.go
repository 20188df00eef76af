// Package server wires llavero together: configuration in, a running
// platform out. It opens the store, builds the services and the web layer,
// listens, and shuts down gracefully. Nothing imports it but the command.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/notify"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/web"
)

// Platform is a wired installation: what serve runs and tests drive.
type Platform struct {
	Config   *config.Config
	Log      *slog.Logger
	Store    store.Store
	Notifier *notify.Notifier
	Web      *web.Server
}

// New opens the store and builds every part. Close releases them.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, version string) (*Platform, error) {
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	p := &Platform{Config: cfg, Log: log, Store: st}
	if p.Notifier, err = newNotifier(cfg, st, log); err != nil {
		st.Close()
		return nil, err
	}
	p.Web, err = web.New(web.Config{
		PublicURL: cfg.PublicURL,
		Logger:    log,
		Ready:     st.Ping,
		Version:   version,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	return p, nil
}

func newNotifier(cfg *config.Config, st store.Store, log *slog.Logger) (*notify.Notifier, error) {
	nc := notify.Config{
		LetterDir:  filepath.Join(cfg.Data, "letters"),
		Logger:     log,
		SenderName: "llavero",
	}
	if cfg.Outbox {
		nc.Outbox = st
	}
	if cfg.SMTPHost != "" {
		pw, err := config.ReadSecret(cfg.SMTPPasswordFile, config.EnvPrefix+"SMTP_PASSWORD")
		if err != nil {
			return nil, fmt.Errorf("setting --smtp-password-file: %v", err)
		}
		m, err := notify.NewSMTPMailer(notify.SMTPConfig{
			Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername, Password: pw,
			From: cfg.SMTPFrom, TLS: cfg.SMTPTLS, Timeout: 30 * time.Second,
		})
		if err != nil {
			return nil, fmt.Errorf("setting --smtp-host: %v", err)
		}
		nc.Mailer = m
	}
	if cfg.SMSWebhookURL != "" {
		secret, err := config.ReadSecret(cfg.SMSWebhookSecretFile, config.EnvPrefix+"SMS_WEBHOOK_SECRET")
		if err != nil {
			return nil, fmt.Errorf("setting --sms-webhook-secret-file: %v", err)
		}
		nc.SMS = notify.WebhookSMS{URL: cfg.SMSWebhookURL, Secret: []byte(secret)}
	}
	n, err := notify.New(nc)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	return n, nil
}

// Close releases the store.
func (p *Platform) Close() error { return p.Store.Close() }

// Serve listens on the configured address and serves until ctx ends, then
// lets requests in flight finish within the shutdown timeout. ready, when
// not nil, receives the bound address once the listener is up.
func (p *Platform) Serve(ctx context.Context, ready func(addr net.Addr)) error {
	ln, err := net.Listen("tcp", p.Config.Listen)
	if err != nil {
		return fmt.Errorf("setting --listen: cannot listen on %s: %v (is another llavero running? choose another address with --listen)", p.Config.Listen, err)
	}
	srv := &http.Server{
		Handler:           p.Web.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(p.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	p.Log.Info("llavero listening", "addr", ln.Addr().String(), "public_url", p.Config.PublicURL, "database", p.Store.Dialect())
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	p.Log.Info("shutting down", "timeout", p.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), p.Config.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
