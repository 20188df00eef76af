// Package server wires llavero together: configuration in, a running
// platform out. It opens the store, builds the services and the web layer,
// listens, and shuts down gracefully. Nothing imports it but the command.
package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"time"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/notify"
	"github.com/llavero/llavero/internal/oidc"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/remotesign"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/tsa"
	"github.com/llavero/llavero/internal/web"
)

// Platform is a wired installation: what serve runs and tests drive.
type Platform struct {
	Config   *config.Config
	Log      *slog.Logger
	Store    store.Store
	Notifier *notify.Notifier
	Web      *web.Server
	CA       *ca.CA
	RA       *ra.RA
	IdP      *idp.IdP
	OIDC     *oidc.Provider
	TSA      *tsa.Authority
	// RemoteSign is remote signing (remotesign.go).
	RemoteSign *remotesign.Service

	keys      ca.KeyStore
	certLogin http.Handler
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
	proxies, err := web.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("setting --trusted-proxies: %v", err)
	}
	p.Web, err = web.New(web.Config{
		PublicURL:      cfg.PublicURL,
		Logger:         log,
		Ready:          st.Ping,
		Version:        version,
		TrustedProxies: proxies,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	if p.CA, p.keys, err = OpenCA(ctx, cfg, log); err != nil {
		st.Close()
		return nil, err
	}
	if p.TSA, err = tsa.Open(ctx, p.keys, p.CA, filepath.Join(cfg.Data, "ca"), nil); err != nil {
		p.Close()
		return nil, fmt.Errorf("timestamp authority: %w", err)
	}
	p.Web.MountTSA(p.TSA)
	p.RA = ra.New(st, p.CA, p.Notifier, ra.Config{CodeTTL: cfg.CodeTTL, PublicURL: cfg.PublicURL}, nil, nil, log)
	key, err := codeKey(cfg, log)
	if err != nil {
		p.Close()
		return nil, err
	}
	icfg := idp.Config{CodeKey: key, AllowForeignPhones: cfg.AllowForeignPhones,
		Video: idp.VideoConfig{Documents: cfg.Video.Documents, PhotoMax: int64(cfg.Video.PhotoMaxMB) << 20, VideoMax: int64(cfg.Video.VideoMaxMB) << 20, Retention: cfg.Video.Retention}}
	if cfg.TokenCertificatesHigh {
		icfg.HardwareTokenPolicies = []x509.OID{p.CA.TokenPolicy()}
	}
	icfg.WebAuthnRPID, icfg.WebAuthnOrigins = webAuthnParty(cfg.PublicURL, log)
	if p.IdP, err = idp.New(st, p.Notifier, p.RA, icfg, nil, nil, log); err != nil {
		p.Close()
		return nil, err
	}
	deps := web.CertDeps{
		RA:           p.RA,
		Chain:        p.CA.Chain(),
		RootCRL:      func(ctx context.Context) ([]byte, error) { return p.RA.RootCRL(ctx, p.CA) },
		CertLoginURL: cfg.CertLoginURL,
		IdP:          p.IdP,
		Accounts:     st,
	}
	p.Web.MountCertificates(deps)
	// Remote signing is always mounted below (mountRemoteSigning).
	ad := web.AccountDeps{IdP: p.IdP, Store: st, CertLoginURL: cfg.CertLoginURL, RA: p.RA, RemoteSigning: true}
	p.Web.MountAccounts(ad)
	if p.OIDC, err = newOIDC(cfg, st, key); err != nil {
		p.Close()
		return nil, err
	}
	p.Web.MountOIDC(p.OIDC, ad)
	p.Web.MountStart(web.StartDeps{Offices: st, Clients: st, ForeignPhones: cfg.AllowForeignPhones, CodeTTL: cfg.CodeTTL, VideoDocuments: cfg.Video.Documents})
	if err := p.mountSignatures(cfg, st); err != nil {
		p.Close()
		return nil, err
	}
	if cfg.Demo.Enabled {
		p.Web.MountDevOutbox(web.DevOutboxDeps{Outbox: st, LetterDir: filepath.Join(cfg.Data, "letters")})
	}
	p.mountRemoteSigning(ad)
	p.certLogin = p.Web.AccountCertLoginHandler(p.Web.CertLoginHandler(deps), ad)
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

// Close releases the store and the CA keys.
func (p *Platform) Close() error {
	if p.keys != nil {
		p.keys.Close()
	}
	return p.Store.Close()
}

// Addrs are the bound addresses of a running platform.
type Addrs struct {
	Main      net.Addr
	CertLogin net.Addr
}

// Serve listens on the main and certificate-login addresses, runs the RA's
// periodic work, and serves until ctx ends; then it lets requests in flight
// finish within the shutdown timeout. ready, when not nil, receives the
// bound addresses once both listeners are up.
func (p *Platform) Serve(ctx context.Context, ready func(Addrs)) error {
	ln, err := net.Listen("tcp", p.Config.Listen)
	if err != nil {
		return fmt.Errorf("setting --listen: cannot listen on %s: %v (is another llavero running? choose another address with --listen)", p.Config.Listen, err)
	}
	tlsCfg, err := certLoginTLS(ctx, p.CA, p.Config)
	if err != nil {
		ln.Close()
		return err
	}
	cln, err := net.Listen("tcp", p.Config.CertListen)
	if err != nil {
		ln.Close()
		return fmt.Errorf("setting --cert-listen: cannot listen on %s: %v (choose another address with --cert-listen)", p.Config.CertListen, err)
	}
	csrv := p.httpServer(p.certLogin)
	csrv.TLSConfig = tlsCfg
	srv := p.httpServer(p.Web.Handler())
	if p.Config.DebugListen != "" {
		dln, err := net.Listen("tcp", p.Config.DebugListen)
		if err != nil {
			ln.Close()
			cln.Close()
			return fmt.Errorf("setting --debug-listen: cannot listen on %s: %v", p.Config.DebugListen, err)
		}
		dsrv := &http.Server{Handler: debugHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = dsrv.Serve(dln) }()
		defer dsrv.Close()
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	go func() { errc <- csrv.ServeTLS(cln, "", "") }()
	rctx, stopRA := context.WithCancel(ctx)
	defer stopRA()
	go p.RA.Run(rctx, time.Minute)
	go p.IdP.Run(rctx, 10*time.Minute)
	go p.RemoteSign.Run(rctx, 30*time.Second)
	go p.reminders().Run(rctx, 10*time.Minute)
	p.Log.Info("llavero listening", "addr", ln.Addr().String(), "cert_login", cln.Addr().String(), "public_url", p.Config.PublicURL, "database", p.Store.Dialect())
	if ready != nil {
		ready(Addrs{Main: ln.Addr(), CertLogin: cln.Addr()})
	}
	select {
	case err := <-errc:
		srv.Close()
		csrv.Close()
		return err
	case <-ctx.Done():
	}
	p.Log.Info("shutting down", "timeout", p.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), p.Config.ShutdownTimeout)
	defer cancel()
	var errs []error
	for _, s := range []*http.Server{srv, csrv} {
		if err := s.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
		}
	}
	for range 2 {
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (p *Platform) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(p.Log.Handler(), slog.LevelWarn),
	}
}

// newOIDC builds the OpenID provider. Its keys derive from the deployment
// secret under their own labels, so one secret file serves every node; the
// pairwise salt must never change, and neither, therefore, may that secret.
func newOIDC(cfg *config.Config, st store.Store, secret []byte) (*oidc.Provider, error) {
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte("llavero/" + label))
		return m.Sum(nil)
	}
	var crypto [32]byte
	copy(crypto[:], derive("oidc-crypto"))
	u, _ := url.Parse(cfg.PublicURL)
	cacheTTL := cfg.ClientCacheTTL
	if cacheTTL == 0 {
		cacheTTL = -1 // oidc's zero is its default; the setting's zero is off
	}
	p, err := oidc.New(oidc.Config{
		ClientCacheTTL: cacheTTL,
		Issuer:         cfg.PublicURL,
		Store:          st,
		CryptoKey:      crypto,
		LoginURL:       web.ContinueURL,
		PairwiseSalt:   derive("pairwise-sub"),
		AllowInsecure:  u != nil && u.Scheme == "http" && isLoopbackHost(u.Hostname()),
	})
	if err != nil {
		return nil, fmt.Errorf("OpenID provider: %w", err)
	}
	return p, nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
